"""The LeadConduit guide's snippets in Jinja2: Handlebars blocks and Liquid filter arguments."""

from __future__ import annotations

import re

_HB_OPEN = re.compile(r"\{\{\s*#\s*(if|unless|each)\s+(.+?)\s*\}\}", re.DOTALL)
_HB_ELSE = re.compile(r"\{\{\s*else\s*\}\}")
_HB_CLOSE = re.compile(r"\{\{\s*/\s*(if|unless|each)\s*\}\}")
_EXPRESSION = re.compile(r"(\{\{|\{%)(.*?)(\}\}|%\})", re.DOTALL)
_LIQUID_ARGS = re.compile(r"^\s*([A-Za-z_]\w*)\s*:\s*(.+?)\s*$", re.DOTALL)


def translate(source: str) -> tuple[str, list[str]]:
    """The guide's Handlebars blocks and Liquid filter arguments in Jinja2; what was changed."""
    notes: list[str] = []
    text, handlebars = _translate_handlebars(source)
    if handlebars:
        notes.append("Handlebars blocks ({{#if ...}}...{{/if}}) translated to {% if ... %}")
    translated = _EXPRESSION.sub(_liquid_expression, text)
    if translated != text:
        notes.append("Liquid filter arguments (| join: ' > ') translated to | join(' > ')")
    return translated, notes


def _translate_handlebars(source: str) -> tuple[str, bool]:
    def open_block(m: re.Match[str]) -> str:
        kind, expr = m.group(1), m.group(2)
        if kind == "if":
            return f"{{% if {expr} %}}"
        if kind == "unless":
            return f"{{% if not ({expr}) %}}"
        return f"{{% for this in {expr} %}}"

    text, opened = _HB_OPEN.subn(open_block, source)
    if not opened:
        return source, False
    text = _HB_ELSE.sub("{% else %}", text)
    text = _HB_CLOSE.sub(lambda m: "{% endfor %}" if m.group(1) == "each" else "{% endif %}", text)
    return text, True


def _liquid_expression(m: re.Match[str]) -> str:
    start, body, end = m.groups()
    parts = _split_pipes(body)
    if len(parts) == 1:
        return m.group(0)
    out = [parts[0]]
    for part in parts[1:]:
        args = _LIQUID_ARGS.match(part)
        out.append(f" {args.group(1)}({args.group(2)}) " if args else part)
    return start + "|".join(out) + end


def _split_pipes(body: str) -> list[str]:
    """Split an expression at ``|`` outside quotes and brackets."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for ch in body:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts
