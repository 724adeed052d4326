"""Reading and writing cassettes in vcrpy's YAML format (version 1).

A cassette is ``{"version": 1, "interactions": [...], "metadata": {...}}``, exactly what
vcrpy writes and reads. ``metadata`` carries provenance (``scenario``, ``reconstructed``,
``sources``, ``recorded_against``) and per-exchange notes (``exchanges``: a list parallel to
``interactions`` with ``source``, ``note``, ``requires``). vcrpy ignores what it does not know.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

FORMAT_VERSION = 1


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


@dataclass
class Exchange:
    """One request/response pair, in plain (text) form."""

    method: str
    uri: str
    request_headers: dict[str, list[str]] = field(default_factory=dict)
    request_body: str = ""
    status: int = 200
    reason: str = ""
    response_headers: dict[str, list[str]] = field(default_factory=dict)
    response_body: str = ""
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def label(self) -> str:
        parts = urlsplit(self.uri)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.method} {parts.path}{query}"

    def header(self, name: str, *, response: bool = True) -> str | None:
        headers = self.response_headers if response else self.request_headers
        for key, values in headers.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None

    def response_json(self) -> Any:
        try:
            return json.loads(self.response_body) if self.response_body else None
        except ValueError:
            return None

    def to_interaction(self) -> dict[str, Any]:
        return {
            "request": {
                "method": self.method,
                "uri": self.uri,
                "body": self.request_body or None,
                "headers": {k: list(v) for k, v in self.request_headers.items()},
            },
            "response": {
                "status": {"code": self.status, "message": self.reason},
                "headers": {k: list(v) for k, v in self.response_headers.items()},
                "body": {"string": self.response_body},
            },
        }

    @classmethod
    def from_interaction(
        cls, data: dict[str, Any], notes: dict[str, Any] | None = None
    ) -> Exchange:
        req = data["request"]
        resp = data["response"]
        return cls(
            method=str(req["method"]).upper(),
            uri=str(req["uri"]),
            request_headers=_headers(req.get("headers")),
            request_body=_text(req.get("body")),
            status=int(resp["status"]["code"]),
            reason=_text(resp["status"].get("message")),
            response_headers=_headers(resp.get("headers")),
            response_body=_text((resp.get("body") or {}).get("string")),
            notes=dict(notes or {}),
        )


def _headers(raw: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in (raw or {}).items():
        values = value if isinstance(value, list) else [value]
        out[str(key)] = [_text(v) for v in values]
    return out


@dataclass
class Cassette:
    """A scenario's exchanges plus provenance metadata."""

    name: str
    exchanges: list[Exchange] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def reconstructed(self) -> bool:
        return bool(self.metadata.get("reconstructed"))

    @property
    def provenance(self) -> str:
        """Where the responses come from, in a few words for reports: a reconstruction from
        documented exchanges, or a recording (and whether of keapsim or of Keap itself)."""
        if self.reconstructed:
            return "reconstructed"
        against = str(self.metadata.get("recorded_against") or "")
        if against.startswith("keapsim"):
            return "recorded from keapsim"
        if against == "real Keap API":
            return "recorded from Keap"
        return f"recorded from {against}" if against else "recorded"

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.exchanges)

    def to_dict(self) -> dict[str, Any]:
        metadata = dict(self.metadata)
        metadata.setdefault("scenario", self.name)
        notes = [ex.notes for ex in self.exchanges]
        if any(notes):
            metadata["exchanges"] = notes
        else:
            metadata.pop("exchanges", None)
        return {
            "version": FORMAT_VERSION,
            "interactions": [ex.to_interaction() for ex in self.exchanges],
            "metadata": metadata,
        }

    def dumps(self) -> str:
        return dump_yaml(self.to_dict())

    def save(self, path: Path | None = None) -> Path:
        target = path or self.path
        if target is None:
            raise ValueError("cassette has no path")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.dumps(), encoding="utf-8")
        self.path = target
        return target


def load_cassette(path: Path | str) -> Cassette:
    """Load a vcrpy YAML cassette (ours or one recorded by vcrpy)."""
    p = Path(path)
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(f"{p}: unsupported cassette version {data.get('version')!r}")
    metadata = dict(data.get("metadata") or {})
    notes = metadata.get("exchanges") or []
    exchanges = [
        Exchange.from_interaction(item, notes[i] if i < len(notes) else None)
        for i, item in enumerate(data.get("interactions") or [])
    ]
    name = str(metadata.get("scenario") or p.stem)
    return Cassette(name=name, exchanges=exchanges, metadata=metadata, path=p)


def find_cassettes(root: Path | str) -> list[Path]:
    """All cassette files under ``root`` (sorted, recursive)."""
    base = Path(root)
    if base.is_file():
        return [base]
    return sorted(p for p in base.rglob("*.yaml") if p.is_file())


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump_yaml(data: Any) -> str:
    """YAML the way we want cassettes on disk: block style, stable key order, readable."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
