"""Keap's official OpenAPI documents, restricted to what keapsim implements, for schemathesis.

THE ONE PLACE where deviations from the official documents are written down. Each
:class:`DocFix` says what the document gets wrong, what Keap really does (with a source),
and what the schemathesis run does about it. Nothing else is patched or skipped.

Documents (copied unchanged in ``keapsim/specs/``):

* v1: ``2025-11-05-v1.json`` (OpenAPI 3.0.1, server ``.../crm/rest``, paths ``/v1/...``);
* v2: ``swagger.yml`` (OpenAPI 3.1.0, Keap's SDK spec, server ``.../crm``, paths
  ``/rest/v2/...``), the newest v2 document.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(__file__).resolve().parent.parent / "keapsim" / "specs"
DOCS = {"v1": SPEC_DIR / "2025-11-05-v1.json", "v2": SPEC_DIR / "swagger.yml"}
METHODS = ("get", "put", "post", "delete", "patch")

V1_MESSAGE = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}},
}
STATUS_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


@dataclass(frozen=True)
class DocFix:
    id: str
    doc: str  # "v1" or "v2"
    problem: str
    reality: str
    action: str
    source: str
    operations: tuple[str, ...] = ()  # operationIds; empty = every operation of the doc
    apply: Callable[[dict[str, Any]], None] | None = field(default=None, compare=False)
    skip_error_body_validation: bool = False


def _json_response(op: dict[str, Any], status: str, schema: dict[str, Any], text: str) -> None:
    op.setdefault("responses", {})[status] = {
        "description": text,
        "content": {"application/json": {"schema": schema}},
    }


def _add_v1_400(op: dict[str, Any]) -> None:
    if "400" not in op.get("responses", {}):
        _json_response(op, "400", V1_MESSAGE, "Bad Request (added: Keap sends {message})")


def _add_v1_404(op: dict[str, Any]) -> None:
    if "404" not in op.get("responses", {}):
        _json_response(op, "404", V1_MESSAGE, "Not Found (added: an id in the request is unknown)")


def _status_map_200(op: dict[str, Any]) -> None:
    _json_response(op, "200", STATUS_MAP, "OK: map of id -> status string")


def _rename_note_param(op: dict[str, Any]) -> None:
    for p in op.get("parameters", []):
        if p.get("in") == "path" and p.get("name") == "note":
            p["name"] = "noteId"


FIXES: tuple[DocFix, ...] = (
    DocFix(
        id="v1-error-schema-is-throwable",
        doc="v1",
        problem="every 4xx/5xx response declares a Java Throwable dump (springfox artefact)",
        reality='v1 errors are {"message": "..."}; gateway errors are {"fault": {...}}',
        action="response bodies are validated against the document for 2xx responses only",
        source="keap-facts.md §0.2, §5.2; infusionsoft-php issues #190, #191",
        skip_error_body_validation=True,
    ),
    DocFix(
        id="v2-error-schema",
        doc="v2",
        problem="error bodies are documented, but Keap's real 429 has code as a string and "
        "gateway 401s use the Apigee fault envelope; neither matches Error",
        reality='{"code":"429",...} (string) and {"fault":{...}}',
        action="response bodies are validated for 2xx responses only (error envelopes are "
        "covered by the contract scenarios and evidence cassettes instead)",
        source="keap-facts.md §5.1",
        skip_error_body_validation=True,
    ),
    DocFix(
        id="v1-declares-no-400",
        doc="v1",
        problem="no v1 operation declares 400",
        reality='Keap answers 400 {"message": ...} to invalid input (malformed JSON, a contact '
        "without email or phone, a bad region)",
        action='a 400 response with schema {"message": string} is added to every v1 operation',
        source="keap-facts.md §3, §5.2; infusionsoft-php #190, #191, #140",
        apply=_add_v1_400,
    ),
    DocFix(
        id="v1-post-declares-no-404",
        doc="v1",
        problem="v1 POST operations declare no 404, even those naming a contact, campaign or "
        "sequence id in the path or body",
        reality='not documented either way; v1 404 bodies are likely {"message": ...} '
        "(open point in keap-facts §8). keapsim answers 404 {message} for an unknown id",
        action='a 404 response with schema {"message": string} is added where missing '
        "(unverified against the real API)",
        source="keap-facts.md §3 (declared codes), §5.2, §8",
        apply=_add_v1_404,
    ),
    DocFix(
        id="v1-status-map-is-an-object",
        doc="v1",
        problem="the 200 body is documented as an array of Entry«long,string»",
        reality='on the wire it is an object id -> status, e.g. {"1831":"TAG_ID_NOT_FOUND"}',
        action="the 200 schema is replaced by an object of strings",
        source="keap-facts.md §3.2 (public client lib/keap-contact.js)",
        operations=(
            "applyTagsToContactIdUsingPOST",
            "applyTagToContactIdsUsingPOST",
            "addContactsToCampaignSequenceUsingPOST",
        ),
        apply=_status_map_200,
    ),
    DocFix(
        id="v1-note-path-parameter",
        doc="v1",
        problem="PUT /v1/notes/{noteId} declares its path parameter as `note`",
        reality="the path segment is the note id",
        action="the parameter is renamed noteId",
        source="keap-facts.md §1.2",
        operations=("updateNoteUsingPUT",),
        apply=_rename_note_param,
    ),
)

#: Behaviour switched off in the simulator for the schemathesis run (not a doc fix).
RUN_SETTINGS = {
    "throttle": (
        False,
        "schemathesis sends bursts far above the PAT/SAK 10 requests/second spike limit; the "
        "429s that follow are not declared by the documents. Throttling is covered by the "
        "contract scenario oauth/throttled and the evidence cassette throttled_429.",
    ),
}


@lru_cache(maxsize=2)
def _load(version: str) -> dict[str, Any]:
    path = DOCS[version]
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506


def official_document(version: str) -> dict[str, Any]:
    """A deep copy of the official document, unchanged."""
    return copy.deepcopy(_load(version))


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
        if fix.doc != version or fix.apply is None:
            continue
        for item in paths.values():
            for method, op in item.items():
                if method in METHODS and (
                    not fix.operations or op["operationId"] in fix.operations
                ):
                    fix.apply(op)
    if server:
        doc["servers"] = [{"url": server}]
    return doc


def validates_error_bodies(version: str) -> bool:
    return not any(f.skip_error_body_validation for f in FIXES if f.doc == version)


def exclusions_markdown() -> str:
    """The fixes as a Markdown list (used by the README and the test report)."""
    lines = []
    for f in FIXES:
        ops = f" (operations: {', '.join(f.operations)})" if f.operations else ""
        lines.append(
            f"- **{f.id}** ({f.doc}){ops}: {f.problem}. Reality: {f.reality}. "
            f"Action: {f.action}. Source: {f.source}."
        )
    for name, (value, reason) in RUN_SETTINGS.items():
        lines.append(f"- **simulator {name}={value}** for the run: {reason}")
    return "\n".join(lines)
