"""Templates over the lead, rendered in Jinja2's sandbox.

Flow files are written by people who are not necessarily trusted with code execution on the
delivery host, so templates run in ``SandboxedEnvironment``: attribute access to dunder
internals, ``format`` tricks and unsafe callables raise ``SecurityError`` instead of running.
Missing lead fields render as empty (``ChainableUndefined``) so ``{{ lead.utm.source }}`` works
on leads without UTM data, and an ordering comparison with one is false, so
``{% if lead.score >= 80 %}`` leaves out a lead without a score instead of failing it. A blank
field (None, or only whitespace) counts as missing, as it does for the mapped fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment


class TemplateSyntaxProblem(ValueError):
    """A template does not compile (reported at configuration time)."""


class TemplateRenderError(ValueError):
    """A template failed while rendering a particular lead.

    The message names the template and the kind of problem but never includes lead values.
    """


def _join_nonempty(values: Any, sep: str = ", ") -> str:
    """Join the non-empty items: ``lead.touchpoints | join_nonempty(' > ')``."""
    if values is None or isinstance(values, ChainableUndefined):
        return ""
    if isinstance(values, str):
        return values
    return sep.join(str(v) for v in values if v not in (None, ""))


def _datefmt(value: Any, fmt: str = "%Y-%m-%d") -> str:
    if isinstance(value, datetime):
        return value.strftime(fmt)
    return "" if value is None else str(value)


class _LoudSandbox(SandboxedEnvironment):
    """The sandbox, but blocked attribute access raises instead of rendering as empty.

    With a lenient ``undefined`` the stock sandbox would quietly render ``{{ x.__class__ }}`` as
    nothing; a flow author should hear that the template tried something forbidden.
    """

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )


class _MissingField(ChainableUndefined):
    """A missing lead field: renders empty, chains, and ``<``/``<=``/``>``/``>=`` are false."""

    __slots__ = ()

    def _false(self, other: Any) -> bool:
        return False

    __lt__ = __le__ = __gt__ = __ge__ = _false


def _build_env() -> SandboxedEnvironment:
    env = _LoudSandbox(undefined=_MissingField, autoescape=False)
    env.filters["join_nonempty"] = _join_nonempty
    env.filters["datefmt"] = _datefmt
    return env


_ENV = _build_env()


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


@lru_cache(maxsize=512)
def _compile(source: str):
    return _ENV.from_string(source)


def check_template(source: str) -> None:
    """Compile a template, raising ``TemplateSyntaxProblem`` with a readable message."""
    try:
        _compile(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise TemplateSyntaxProblem(f"template does not compile{where}: {exc.message}") from None


def render(source: str, lead: Mapping[str, Any], *, name: str = "template") -> str:
    """Render ``source`` with ``lead`` and ``now`` (timezone-aware UTC) in scope."""
    if not is_template(source):
        return source
    present = {
        k: v for k, v in lead.items() if not (v is None or (isinstance(v, str) and not v.strip()))
    }
    try:
        return _compile(source).render(lead=present, now=datetime.now(UTC)).strip()
    except TemplateError as exc:
        # Jinja messages describe the template ("'int' object has no attribute 'x'"), not values.
        raise TemplateRenderError(f"{name}: {type(exc).__name__}: {exc.message}") from None
    except Exception as exc:  # any failure inside a user template
        # Python errors (ValueError: invalid literal ... 'value') may quote lead data: type only.
        raise TemplateRenderError(f"{name}: {type(exc).__name__} while rendering") from None
