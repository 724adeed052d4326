"""Normalising transformers, JSON shapes and the per-exchange comparison.

The comparison looks at what a client depends on, not at values that legitimately differ
between two servers:

* status code and media type;
* the error envelope (gateway ``fault``, OAuth ``error``, v2 ``{code,message,status}``, v1
  ``{message}``) and its discriminating values (``fault.detail.errorcode``, ``error``,
  ``status``);
* the set of keys and the JSON types at every path (after transformers have normalised ids,
  timestamps, tokens, id-keyed maps and ordering);
* the headers that matter: the quota/throttle/tenant header families must be present.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from contracts.cassette import Exchange

Transformer = Callable[[Any], Any]

ISO_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
ID_KEY_RE = re.compile(r"^(id|.*_id)$")

#: Response-header families a Keap client may rely on (presence is compared).
WATCHED_HEADER_PREFIXES = (
    "x-keap-product-quota-",
    "x-keap-product-throttle-",
    "x-keap-tenant-",
    "retry-after",
)

ID_MAP_KEY = "{id}"


# ---------------------------------------------------------------------------- transformers
def normalise_ids(doc: Any) -> Any:
    """``id``/``*_id`` values become ``"<id>"`` or ``0`` (type kept: int stays int)."""
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if ID_KEY_RE.match(str(k)) and isinstance(v, int | str) and not isinstance(v, bool):
                out[k] = 0 if isinstance(v, int) else "<id>"
            else:
                out[k] = normalise_ids(v)
        return out
    if isinstance(doc, list):
        return [normalise_ids(v) for v in doc]
    return doc


def normalise_timestamps(doc: Any) -> Any:
    """ISO-8601 timestamps become ``"<timestamp>"``."""
    if isinstance(doc, dict):
        return {k: normalise_timestamps(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [normalise_timestamps(v) for v in doc]
    if isinstance(doc, str) and ISO_TS_RE.match(doc):
        return "<timestamp>"
    return doc


def normalise_tokens(doc: Any) -> Any:
    """Token-ish strings under token keys, and scrub placeholders, become ``"<token>"``."""
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if str(k) in {"access_token", "refresh_token", "id_token"} and isinstance(v, str):
                out[k] = "<token>"
            else:
                out[k] = normalise_tokens(v)
        return out
    if isinstance(doc, list):
        return [normalise_tokens(v) for v in doc]
    if isinstance(doc, str) and doc.startswith("SCRUBBED-"):
        return "<token>"
    return doc


def collapse_id_maps(doc: Any) -> Any:
    """Objects keyed by ids (``{"1831": "TAG_ID_NOT_FOUND"}``) become ``{"{id}": ...}``.

    All values are kept under the one key as a list so their shapes merge.
    """
    if isinstance(doc, dict):
        if doc and all(_is_id_key(k) for k in doc):
            return {ID_MAP_KEY: [collapse_id_maps(v) for v in doc.values()]}
        return {k: collapse_id_maps(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [collapse_id_maps(v) for v in doc]
    return doc


def sort_lists(doc: Any) -> Any:
    """Lists of scalars are sorted; lists of objects sorted by their JSON text."""
    if isinstance(doc, dict):
        return {k: sort_lists(v) for k, v in sorted(doc.items())}
    if isinstance(doc, list):
        items = [sort_lists(v) for v in doc]
        return sorted(items, key=lambda v: (type(v).__name__, repr(v)))
    return doc


def _is_id_key(key: Any) -> bool:
    return str(key).isdigit()


DEFAULT_TRANSFORMERS: tuple[Transformer, ...] = (
    collapse_id_maps,
    normalise_ids,
    normalise_timestamps,
    normalise_tokens,
    sort_lists,
)


def normalise(doc: Any, transformers: Iterable[Transformer] = DEFAULT_TRANSFORMERS) -> Any:
    for transform in transformers:
        doc = transform(doc)
    return doc


# ---------------------------------------------------------------------------- shapes
def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


@dataclass
class Shape:
    """Path -> set of JSON types, plus the array paths that never had items."""

    types: dict[str, set[str]] = field(default_factory=dict)
    empty_arrays: set[str] = field(default_factory=set)

    def paths(self) -> set[str]:
        return set(self.types)


def shape_of(doc: Any) -> Shape:
    shape = Shape()
    filled: set[str] = set()

    def walk(value: Any, path: str) -> None:
        shape.types.setdefault(path, set()).add(json_type(value))
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            if value:
                filled.add(path)
            for item in value:
                walk(item, f"{path}[]")

    walk(doc, "$")
    shape.empty_arrays = {p for p, t in shape.types.items() if "array" in t and p not in filled}
    return shape


def _under_empty(path: str, empty: set[str]) -> bool:
    return any(path.startswith(e + "[]") for e in empty)


# ---------------------------------------------------------------------------- drift
@dataclass
class Drift:
    """One difference between the recorded and the actual response."""

    kind: str  # status_change, content_type_change, envelope_change, value_change,
    # missing_field, unexpected_field, type_change, missing_header, unexpected_header,
    # nullability, not_json, skipped
    path: str
    expected: Any = None
    actual: Any = None
    declared: str | None = None  # reason, when a divergence declaration covers it
    severity: str = "error"  # error | warning | info

    @property
    def failing(self) -> bool:
        return self.severity == "error" and self.declared is None

    def line(self) -> str:
        text = {
            "status_change": f"status {self.expected} -> {self.actual}",
            "content_type_change": f"content type {self.expected!r} -> {self.actual!r}",
            "envelope_change": f"error envelope {self.expected} -> {self.actual}",
            "value_change": f"{self.path}: {self.expected!r} -> {self.actual!r}",
            "missing_field": f"missing field {self.path} ({self.expected})",
            "unexpected_field": f"unexpected field {self.path} ({self.actual})",
            "type_change": f"type change at {self.path}: {self.expected} -> {self.actual}",
            "nullability": f"nullability at {self.path}: {self.expected} -> {self.actual}",
            "missing_header": f"missing header {self.path}",
            "unexpected_header": f"unexpected header {self.path}",
            "not_json": f"body is not JSON ({self.path})",
        }.get(self.kind, f"{self.kind} {self.path} {self.expected!r} -> {self.actual!r}")
        return text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failing"] = self.failing
        data["message"] = self.line()
        return data


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def envelope_of(doc: Any) -> str | None:
    """Classify an error body: ``fault``, ``oauth``, ``v2``, ``v1`` or ``None``."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("fault"), dict):
        return "fault"
    if isinstance(doc.get("error"), str):
        return "oauth"
    if {"code", "message", "status"} <= set(doc):
        return "v2"
    if "message" in doc:
        return "v1"
    return None


def _get(doc: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


DISCRIMINATORS: dict[str, list[tuple[str, ...]]] = {
    "fault": [("fault", "detail", "errorcode")],
    "oauth": [("error",)],
    "v2": [("status",), ("code",)],
    "v1": [],
}


def compare_json(expected: Any, actual: Any) -> list[Drift]:
    """Shape differences between two (already normalised) JSON documents."""
    drifts: list[Drift] = []
    a, b = shape_of(expected), shape_of(actual)
    skip = a.empty_arrays | b.empty_arrays
    for path in sorted(a.paths() | b.paths()):
        if _under_empty(path, skip):
            continue
        et, at = a.types.get(path), b.types.get(path)
        if at is None:
            drifts.append(
                Drift("missing_field", path, expected="|".join(sorted(et or ())), actual=None)
            )
        elif et is None:
            drifts.append(
                Drift("unexpected_field", path, expected=None, actual="|".join(sorted(at)))
            )
        elif et != at:
            if (et - {"null"}) == (at - {"null"}) or not (et - {"null"}) or not (at - {"null"}):
                drifts.append(
                    Drift(
                        "nullability",
                        path,
                        "|".join(sorted(et)),
                        "|".join(sorted(at)),
                        severity="warning",
                    )
                )
            else:
                drifts.append(
                    Drift("type_change", path, "|".join(sorted(et)), "|".join(sorted(at)))
                )
    # a missing object drags all its children along: report only the top-most path
    return _prune_children(drifts)


def _prune_children(drifts: list[Drift]) -> list[Drift]:
    out: list[Drift] = []
    roots: dict[str, set[str]] = {"missing_field": set(), "unexpected_field": set()}
    for d in sorted(drifts, key=lambda d: len(d.path)):
        if d.kind in roots:
            if any(
                d.path.startswith(r + ".") or d.path.startswith(r + "[]") for r in roots[d.kind]
            ):
                continue
            roots[d.kind].add(d.path)
        out.append(d)
    return sorted(out, key=lambda d: (d.path, d.kind))


def _status_map_values(doc: Any, path: str = "$") -> dict[str, set[str]]:
    """Enum-like values of id-keyed maps (tag apply/sequence results), by collapsed path."""
    out: dict[str, set[str]] = {}
    if isinstance(doc, dict):
        if doc and all(_is_id_key(k) for k in doc):
            vals = {v for v in doc.values() if isinstance(v, str)}
            if vals:
                out[f"{path}.{ID_MAP_KEY}"] = vals
        for k, v in doc.items():
            key = ID_MAP_KEY if _is_id_key(k) else k
            for p, s in _status_map_values(v, f"{path}.{key}").items():
                out.setdefault(p, set()).update(s)
    return out


def compare_exchange(
    recorded: Exchange,
    status: int,
    headers: dict[str, str],
    body: str,
    *,
    transformers: Iterable[Transformer] = DEFAULT_TRANSFORMERS,
) -> list[Drift]:
    """Compare an actual response with the recorded one; returns the drifts found."""
    import json

    drifts: list[Drift] = []
    lower = {k.lower(): v for k, v in headers.items()}
    if recorded.status != status:
        drifts.append(Drift("status_change", "status", recorded.status, status))
    exp_ct = media_type(recorded.header("content-type"))
    act_ct = media_type(lower.get("content-type"))
    if recorded.response_body and body and exp_ct != act_ct:
        drifts.append(Drift("content_type_change", "content-type", exp_ct, act_ct))

    rec_headers = {k.lower() for k in recorded.response_headers}
    for prefix in WATCHED_HEADER_PREFIXES:
        family = sorted(n for n in rec_headers if n.startswith(prefix))
        missing = [n for n in family if n not in lower]
        if missing and len(missing) == len(family) and len(family) > 1:
            drifts.append(Drift("missing_header", f"{prefix}* ({len(family)} headers)"))
        else:
            drifts.extend(Drift("missing_header", n) for n in missing)
    for prefix in WATCHED_HEADER_PREFIXES:
        extra = sorted(n for n in lower if n.startswith(prefix) and n not in rec_headers)
        if len(extra) > 1:
            path = f"{prefix}* ({len(extra)} headers)"
            drifts.append(Drift("unexpected_header", path, severity="warning"))
        elif extra:
            drifts.append(Drift("unexpected_header", extra[0], severity="warning"))

    exp_doc = recorded.response_json()
    try:
        act_doc = json.loads(body) if body else None
    except ValueError:
        act_doc = None
        if "json" in exp_ct:
            drifts.append(Drift("not_json", "$", exp_ct, body[:80]))
            return drifts
    if exp_doc is None and act_doc is None:
        return drifts

    exp_env, act_env = envelope_of(exp_doc), envelope_of(act_doc)
    if recorded.status >= 400 or status >= 400:
        if exp_env != act_env:
            drifts.append(Drift("envelope_change", "$", exp_env, act_env))
        elif exp_env:
            for keys in DISCRIMINATORS[exp_env]:
                ev, av = _get(exp_doc, *keys), _get(act_doc, *keys)
                if ev != av:
                    drifts.append(Drift("value_change", "$." + ".".join(keys), ev, av))

    if (recorded.status >= 400) != (status >= 400):
        return drifts  # success vs error: the status and envelope say it all

    exp_maps, act_maps = _status_map_values(exp_doc), _status_map_values(act_doc)
    for path, values in exp_maps.items():
        got = act_maps.get(path)
        if got is not None and got != values:
            drifts.append(Drift("value_change", path, sorted(values), sorted(got)))

    drifts.extend(compare_json(normalise(exp_doc, transformers), normalise(act_doc, transformers)))
    return drifts
