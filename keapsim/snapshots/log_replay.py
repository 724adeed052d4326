"""Replaying change logs: a state document (``dump_state``'s form) with log lines applied.

Replay edits the JSON document rather than the live store, so that the result is loaded by the
same ``load_state`` as any snapshot (same checks, no change events, indexes built once)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .document import CREDENTIAL_TABLES, SnapshotError
from .log_format import read_log


@dataclass
class TenantPatch:
    """One tenant's dumped state while log lines are applied to it: its record lists and
    credential lists become dicts by id on first touch, and lists again at the end."""

    entry: dict[str, Any]
    records: dict[str, dict[int, Any]] = field(default_factory=dict)
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)

    def records_of(self, store: str) -> dict[int, Any]:
        if store not in self.records:
            self.records[store] = {raw["id"]: raw for raw in self.entry.get(store) or []}
        return self.records[store]

    def credentials_of(self, table: str) -> dict[str, Any]:
        if table not in self.credentials:
            key_field = CREDENTIAL_TABLES[table][1]
            raws = (self.entry.get("credentials") or {}).get(table) or []
            self.credentials[table] = {raw[key_field]: raw for raw in raws}
        return self.credentials[table]

    def finish(self) -> dict[str, Any]:
        for store, records in self.records.items():
            self.entry[store] = [records[ident] for ident in sorted(records)]
        if self.credentials:
            credentials = self.entry.setdefault("credentials", {})
            for table, raws in self.credentials.items():
                credentials[table] = list(raws.values())
        return self.entry


class DocumentPatch:
    """A state document (``dump_state``'s form) with change-log lines applied, in order."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.tenants = {
            entry["id"]: TenantPatch(entry)
            for entry in document.get("tenants") or []
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
        }

    def apply(self, line: dict[str, Any]) -> None:
        handler = getattr(self, "_" + line["op"].replace("-", "_"), None)
        if handler is None:
            raise SnapshotError(f"unknown change-log operation {line['op']!r}")
        handler(line)

    def finish(self) -> dict[str, Any]:
        self.document["tenants"] = [patch.finish() for patch in self.tenants.values()]
        return self.document

    def _tenant_of(self, line: dict[str, Any]) -> TenantPatch | None:
        # A line about a tenant deleted meanwhile (a write racing the delete) is dropped.
        return self.tenants.get(line["t"])

    def _begin(self, line: dict[str, Any]) -> None:
        """A log's first line: its format and generation (checked by :func:`read_log`)."""

    def _put(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.records_of(line["s"])[line["r"]["id"]] = line["r"]

    def _del(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.records_of(line["s"]).pop(line["id"], None)

    def _cred(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            key_field = CREDENTIAL_TABLES[line["table"]][1]
            patch.credentials_of(line["table"])[line["r"][key_field]] = line["r"]

    def _cred_del(self, line: dict[str, Any]) -> None:
        # A removed credential's tenant is no longer known; removals are rare (stale codes).
        for patch in self.tenants.values():
            patch.credentials_of(line["table"]).pop(line["key"], None)

    def _extra(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.entry[line["k"]] = line["v"]

    def _next_ids(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.entry["next_ids"] = line["v"]

    def _hooks(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.entry["hooks"] = line["v"]

    def _settings(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.entry["settings"] = line["settings"]
            patch.entry["name"] = line["name"]

    def _tenant(self, line: dict[str, Any]) -> None:
        self.tenants[line["doc"]["id"]] = TenantPatch(line["doc"])

    def _drop(self, line: dict[str, Any]) -> None:
        self.tenants.pop(line["t"], None)

    def _clock(self, line: dict[str, Any]) -> None:
        self.document["clock"] = line["v"]

    def _default(self, line: dict[str, Any]) -> None:
        self.document["default_tenant"] = line["v"]


def replay(document: dict[str, Any], logs: Iterable[Path]) -> tuple[dict[str, Any], int]:
    """``document`` with every line of ``logs`` (in order) applied; and how many lines."""
    patch = DocumentPatch(document)
    count = 0
    for path in logs:
        for number, line in enumerate(read_log(path), start=1):
            _apply_numbered(patch, line, path, number)
            count += 1
    return patch.finish(), count


def _apply_numbered(patch: DocumentPatch, line: dict[str, Any], path: Path, number: int) -> None:
    """Apply one line; a malformed one is reported with its file and line number."""
    try:
        patch.apply(line)
    except (KeyError, TypeError, AttributeError) as err:
        raise SnapshotError(f"{path}: line {number} lacks {err}; the log is corrupt") from None
    except SnapshotError as err:
        raise SnapshotError(f"{path}: line {number}: {err}") from None
