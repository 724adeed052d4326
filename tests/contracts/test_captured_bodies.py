"""The bodies captured from a real Keap account (the ``*_captured`` evidence cassettes) against
the official documents: each passes response validation only through the defects registered in
``keapsim/specs/defects.py``, and each defect kept to some errors by a message (Keap's nulls and
v1 dates, over many responses) is needed by a captured body, so it cannot go stale."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from contracts import EVIDENCE_DIR
from contracts.cassette import Exchange, find_cassettes, load_cassette
from keapsim.specs.defects import KNOWN_SPEC_DEFECTS, SpecDefect
from keapsim.specs.validate import check_response, match_path

CAPTURED = [p for p in find_cassettes(EVIDENCE_DIR) if p.stem.endswith("_captured")]


def _captured_successes() -> list[Exchange]:
    exchanges = [ex for path in CAPTURED for ex in load_cassette(path).exchanges]
    return [ex for ex in exchanges if 200 <= ex.status < 300 and ex.notes.get("shape") != "subset"]


def _check(exchange: Exchange) -> list[SpecDefect]:
    path = urlsplit(exchange.uri).path
    spec = "v1" if "/rest/v1/" in path else "v2"
    doc_path = path.removeprefix("/crm/rest") if spec == "v1" else path.removeprefix("/crm")
    template = match_path(spec, exchange.method, doc_path)
    body = json.loads(exchange.response_body)
    return check_response(spec, exchange.method, template, exchange.status, body)


def test_there_are_captured_bodies() -> None:
    assert len(CAPTURED) >= 5 and len(_captured_successes()) >= 5


def test_captured_bodies_pass_only_through_registered_defects() -> None:
    used: set[SpecDefect] = set()
    for exchange in _captured_successes():
        used.update(_check(exchange))  # raises ResponseMismatch on an unexplained error
    filtered = {d for d in KNOWN_SPEC_DEFECTS if d.message}
    needed = {(d.fact, d.keyword) for d in used & filtered}
    assert needed == {(d.fact, d.keyword) for d in filtered}
