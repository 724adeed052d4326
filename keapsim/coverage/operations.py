"""The operations that coverage counts, read from Keap's official documents.

Which documents count: ``2025-11-05-v1.json`` for v1 (141 operations) and ``swagger.yml`` for v2
(399 operations), 540 in all. They are the official documents the README names as keapsim's
ground truth. The older ``2025-11-05-v2.json`` (256 operations) describes a strict subset of
``swagger.yml``'s v2 operations (same methods, paths and tags; the operationIds differ), so it
adds no operation; each v2 operation says whether that document describes it too (``also_in``),
which matters to an implementer because its schemas are older.

Paths are given as a client sends them below ``/crm/rest``: ``/v1/contacts/{id}``,
``/v2/contacts:merge``. ``swagger.yml``'s server is ``…/crm`` and its paths begin with
``/rest/v2``; that ``/rest`` is dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from ..specs import V1_DOCUMENT, V2_DOCUMENT, V2_DOCUMENT_2025, load_v1, load_v2
from .families import area_of

Area = Literal["crm", "commerce"]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_PLACEHOLDER = re.compile(r"\{[^}/]+\}")


@dataclass(frozen=True)
class Document:
    """One official document and how its paths map onto keapsim's routes."""

    key: str  # "v1" | "v2": the API version, also the first segment of every path
    file_name: str
    title: str
    strip_prefix: str  # what the document's paths carry before "/v1" or "/v2"
    load: Callable[[], dict[str, Any]]


DOCUMENTS: tuple[Document, ...] = (
    Document("v1", V1_DOCUMENT.name, "Keap REST API v1", "", load_v1),
    Document("v2", V2_DOCUMENT.name, "Keap REST API v2", "/rest", load_v2),
)
# Older v2 document: a subset of swagger.yml's operations (see the module docstring).
OLDER_V2 = Document(
    "v2",
    V2_DOCUMENT_2025.name,
    "Keap REST API v2 (2025-11-05)",
    "",
    lambda: json.loads(V2_DOCUMENT_2025.read_text()),
)


def path_template(path: str) -> str:
    """A path with every ``{name}`` placeholder reduced to ``{}``: the form routes compare in."""
    return _PLACEHOLDER.sub("{}", path)


@dataclass(frozen=True)
class Operation:
    """One method on one path of an official document."""

    document: str  # "v1" | "v2"
    method: str  # upper case: "GET"
    path: str  # below /crm/rest: "/v2/contacts/{contact_id}"
    operation_id: str
    family: str  # the document's tag for the operation
    area: Area
    summary: str
    deprecated: bool
    also_in: tuple[str, ...] = ()  # other official documents describing the same operation

    @property
    def template(self) -> str:
        return path_template(self.path)

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the operation: document, method and path template."""
        return (self.document, self.method, self.template)

    def label(self) -> str:
        return f"{self.method} {self.path} ({self.operation_id})"


def document_operations(document: Document) -> list[Operation]:
    """Every operation of one document, in the document's order."""
    found = []
    for raw_path, item in document.load()["paths"].items():
        path = raw_path.removeprefix(document.strip_prefix)
        for method, spec in item.items():
            if method not in HTTP_METHODS:
                continue
            family = (spec.get("tags") or ["(untagged)"])[0]
            found.append(
                Operation(
                    document=document.key,
                    method=method.upper(),
                    path=path,
                    operation_id=spec.get("operationId", ""),
                    family=family,
                    area=area_of(document.key, family),
                    summary=spec.get("summary", ""),
                    deprecated=bool(spec.get("deprecated", False)),
                )
            )
    return found


@cache
def official_operations() -> tuple[Operation, ...]:
    """The 540 operations coverage counts (v1 then v2), each key unique."""
    older = {op.key for op in document_operations(OLDER_V2)}
    operations: list[Operation] = []
    seen: set[tuple[str, str, str]] = set()
    for document in DOCUMENTS:
        for op in document_operations(document):
            if op.key in seen:
                # Two operations no route could tell apart: the comparison below would break.
                raise ValueError(f"{document.file_name}: {op.label()} is described twice")
            seen.add(op.key)
            if op.key in older:
                op = Operation(**{**op.__dict__, "also_in": (OLDER_V2.file_name,)})
            operations.append(op)
    return tuple(operations)


def older_v2_only() -> list[Operation]:
    """Operations of the older v2 document that ``swagger.yml`` lacks (none at 2025-11-05)."""
    counted = {op.key for op in official_operations()}
    return [op for op in document_operations(OLDER_V2) if op.key not in counted]
