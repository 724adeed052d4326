"""The v1 and v2 adapters run without Flask's request and app contexts (``keapsim.app.KeapsimApp``):
none of them may reach for what those contexts hold. Such a view would fail only when called
(Flask's "working outside of request context"), so the rule is checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADAPTERS = ROOT / "keapsim" / "api"
# Served by Flask's own dispatch (outside the v1/v2 blueprints): it may use Flask's globals.
FLASK_DISPATCHED = {ADAPTERS / "openapi.py"}
CONTEXT_NAMES = {"request", "jsonify", "current_app", "g", "session", "url_for", "abort"}


def _context_imports(module: Path) -> list[str]:
    tree = ast.parse(module.read_text(), filename=str(module))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "flask":
            found += [
                f"{node.lineno}: {alias.name}"
                for alias in node.names
                if alias.name in CONTEXT_NAMES
            ]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "flask" and node.attr in CONTEXT_NAMES:
                found.append(f"{node.lineno}: flask.{node.attr}")
    return found


def test_adapters_read_the_request_from_keapsim_context() -> None:
    offending = {
        str(module.relative_to(ROOT)): names
        for module in sorted(ADAPTERS.rglob("*.py"))
        if module not in FLASK_DISPATCHED and (names := _context_imports(module))
    }
    assert offending == {}, "use keapsim.context.request and keapsim.wire.jsonify instead"


def test_the_check_sees_a_flask_global(tmp_path: Path) -> None:
    module = tmp_path / "view.py"
    module.write_text("from flask import Blueprint, request\nimport flask\nflask.jsonify({})\n")
    assert _context_imports(module) == ["1: request", "3: flask.jsonify"]
