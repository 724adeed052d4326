"""Compiling, checking and rendering a flow template."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError, nodes

from connector.templates.guide import translate
from connector.templates.limits import (
    LOOPS,
    MAX_OUTPUT,
    LoopCounter,
    TemplateLimitExceeded,
    predict_binop,
    tick,
)
from connector.templates.sandbox import ENV, Now, harden, rewrite_concat


class TemplateSyntaxProblem(ValueError):
    """A template does not compile (reported at configuration time)."""


class TemplateRenderError(ValueError):
    """A template failed while rendering a particular lead.

    The message names the template and the kind of problem but never includes lead values.
    """

    def __init__(self, message: str, template: str = "template") -> None:
        super().__init__(message)
        self.template = template


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


@lru_cache(maxsize=512)
def _compile(source: str):  # a jinja2.Template
    translated, _ = translate(source)
    tree = rewrite_concat(harden(ENV.parse(translated)))
    return ENV.template_class.from_code(ENV, ENV.compile(tree), ENV.make_globals(None), None)


def check_template(source: str) -> list[str]:
    """Compile a template (``TemplateSyntaxProblem`` with a readable message if it does not);
    the notes on what was translated from the guide's syntax."""
    try:
        _compile(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise TemplateSyntaxProblem(f"template does not compile{where}: {exc.message}") from None
    _refuse_constant_blowups(source)
    return translate(source)[1]


_SIZED_OPERATORS = {nodes.Mul: "*", nodes.Pow: "**", nodes.Add: "+"}


def _refuse_constant_blowups(source: str) -> None:
    """An operation on two literals (``'a' * 2000000000``, ``2 ** 99999999``) is over the
    limits whatever the lead holds: refused when the flow loads, not at the first lead."""
    tree = ENV.parse(translate(source)[0])
    for kind, op in _SIZED_OPERATORS.items():
        for node in tree.find_all(kind):
            if isinstance(node.left, nodes.Const) and isinstance(node.right, nodes.Const):
                try:
                    predict_binop(op, node.left.value, node.right.value)
                except TemplateLimitExceeded as exc:
                    raise TemplateSyntaxProblem(f"line {node.lineno}: {exc}") from None


def render(source: str, lead: Mapping[str, Any], *, name: str = "template") -> str:
    """Render ``source`` with ``lead`` and ``now`` (timezone-aware UTC) in scope."""
    if not is_template(source):
        return source
    present = {
        k: v for k, v in lead.items() if not (v is None or (isinstance(v, str) and not v.strip()))
    }
    token = LOOPS.set(LoopCounter())
    try:
        return _render(_compile(source), present).strip()
    except TemplateError as exc:
        # Jinja messages describe the template ("'int' object has no attribute 'x'"), not values.
        raise TemplateRenderError(f"{name}: {type(exc).__name__}: {exc.message}", name) from None
    except Exception as exc:  # any failure inside a user template
        # Python errors (ValueError: invalid literal ... 'value') may quote lead data: type only.
        raise TemplateRenderError(f"{name}: {type(exc).__name__} while rendering", name) from None
    finally:
        LOOPS.reset(token)


def _render(template: Any, lead: Mapping[str, Any]) -> str:
    now = Now.now(UTC)
    out: list[str] = []
    size = 0
    for chunk in template.generate(lead=lead, now=now):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise TemplateLimitExceeded(f"template limit: output over {MAX_OUTPUT} characters")
        tick()
        out.append(chunk)
    return "".join(out)
