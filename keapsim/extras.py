"""Optional dependencies: a missing one is reported with the extra that installs it.

The base install serves the simulator; what only some users need is an extra in
``pyproject.toml`` (``validate``, ``contracts``, ...). A module that needs one imports it as::

    try:
        import jsonschema
    except ModuleNotFoundError as error:
        raise missing_extra(error, "keapsim.specs.validate", "validate") from None

so the user reads which ``pip install`` fixes it instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations


class MissingExtra(ModuleNotFoundError):
    """An optional dependency is not installed; the message names the extra that brings it.

    A ``ModuleNotFoundError`` still, so code that tolerates a missing module keeps working.
    """


def missing_extra(error: ModuleNotFoundError, feature: str, extra: str) -> MissingExtra:
    module = (error.name or "an optional module").split(".")[0]  # the package to install
    return MissingExtra(
        f"{feature} needs {module!r}, which the base install leaves out: "
        f"pip install 'keapsim[{extra}]'",
        name=error.name,
    )
