"""Keap's official OpenAPI documents, restricted to what keapsim implements, for schemathesis.

The documents' known defects, and what this run does about each (a patched response, a check
left out), are listed once, in :mod:`keapsim.specs.defects`; :data:`FIXES` is the part of that
registry this run acts on. Nothing else is patched or skipped.

Documents (copied unchanged in ``keapsim/specs/``, loaded by :func:`keapsim.specs.load`):

* v1: ``2025-11-05-v1.json`` (OpenAPI 3.0.1, server ``.../crm/rest``, paths ``/v1/...``);
* v2: ``swagger.yml`` (OpenAPI 3.1.0, Keap's SDK spec, server ``.../crm``, paths
  ``/rest/v2/...``), the newest v2 document.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from keapsim.specs import load
from keapsim.specs.defects import DocumentDefect, schemathesis_fixes

METHODS = ("get", "put", "post", "delete", "patch")

#: The document defects this run acts on (see :mod:`keapsim.specs.defects`).
FIXES: tuple[DocumentDefect, ...] = schemathesis_fixes()

#: Behaviour switched off in the simulator for the schemathesis run (not a doc fix).
RUN_SETTINGS = {
    "throttle": (
        False,
        "schemathesis sends bursts far above the PAT/SAK 10 requests/second spike limit; the "
        "429s that follow are not declared by the documents. Throttling is covered by the "
        "contract scenario oauth/throttled and the evidence cassette throttled_429.",
    ),
}


def official_document(version: str) -> dict[str, Any]:
    """A deep copy of the official document, unchanged."""
    return copy.deepcopy(load(version))


def operation_ids(doc: dict[str, Any]) -> set[str]:
    return {
        op["operationId"]
        for item in doc.get("paths", {}).values()
        for method, op in item.items()
        if method in METHODS and isinstance(op, dict) and "operationId" in op
    }


def restricted_document(
    version: str, implemented: Iterable[str], *, server: str | None = None
) -> dict[str, Any]:
    """The official document with only the ``implemented`` operationIds, fixes applied."""
    wanted = set(implemented)
    doc = official_document(version)
    paths: dict[str, Any] = {}
    for path, item in doc.get("paths", {}).items():
        kept = {
            m: op
            for m, op in item.items()
            if m not in METHODS or (isinstance(op, dict) and op.get("operationId") in wanted)
        }
        if any(m in METHODS for m in kept):
            paths[path] = kept
    doc["paths"] = paths
    for fix in FIXES:
        if fix.spec != version or fix.patch is None:
            continue
        for item in paths.values():
            for method, op in item.items():
                if method in METHODS and (
                    not fix.operations or op["operationId"] in fix.operations
                ):
                    fix.patch(op)
    if server:
        doc["servers"] = [{"url": server}]
    return doc


def validates_error_bodies(version: str) -> bool:
    return not any(f.skip_error_body_validation for f in FIXES if f.spec == version)


def exclusions_markdown() -> str:
    """The fixes as a Markdown list (used by the README and the test report)."""
    lines = []
    for f in FIXES:
        ops = f" (operations: {', '.join(f.operations)})" if f.operations else ""
        lines.append(
            f"- **{f.id}** ({f.spec}){ops}: {f.problem}. Reality: {f.fact}. "
            f"Action: {f.action}. Source: {f.source}."
        )
    for name, (value, reason) in RUN_SETTINGS.items():
        lines.append(f"- **simulator {name}={value}** for the run: {reason}")
    return "\n".join(lines)
