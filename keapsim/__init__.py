"""keapsim: an offline, stateful twin of the Keap CRM REST API.

The names below load on first use (PEP 562), so that ``import keapsim.cli`` and the pytest
plugin do not pull in Flask, pydantic and the whole simulator before they need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import Clock
    from .config import Limits, TenantSettings, Window
    from .simulator import Simulator, TenantCredentials

__all__ = ["Clock", "Limits", "Simulator", "TenantCredentials", "TenantSettings", "Window"]

_HOMES = {
    "Clock": ".clock",
    "Limits": ".config",
    "TenantSettings": ".config",
    "Window": ".config",
    "Simulator": ".simulator",
    "TenantCredentials": ".simulator",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return _version()
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        # pyproject.toml is the one place the version is written.
        return version("keapsim")
    except PackageNotFoundError:  # a source tree on sys.path that was never installed
        return "0+unknown"


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
