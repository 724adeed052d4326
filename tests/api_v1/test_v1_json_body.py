"""Request bodies read through orjson where it agrees with the standard library (issue 18): the
value, or the 400, is what ``json.loads`` made of the text."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.api_client import email_contact

from keapsim.api.common import BadInput, _parsed
from keapsim.wire import has_lone_surrogate

from .helpers import UNCONVERTIBLE, V1

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _expected(raw: bytes) -> Any:
    """What the standard library's path answers: the value, or BadInput."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return BadInput
    return BadInput if has_lone_surrogate(value) else value


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types (1 and 1.0 differ; NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _outcome(raw: bytes) -> Any:
    try:
        return _parsed(raw)
    except BadInput:
        return BadInput


@given(JSON_VALUES, st.booleans())
def test_a_json_text_reads_as_the_standard_library_reads_it(value: Any, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert _same(_outcome(raw), _expected(raw))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": NaN, "b": Infinity, "c": -Infinity}',
        b'{"a": 123456789012345678901234567890}',
        b'{"a": -9223372036854775809, "b": 18446744073709551616}',
        b'{"a": 1e400, "b": 1e-400}',
        b'\xef\xbb\xbf{"a": 1}',
        '{"a": "utf-16"}'.encode("utf-16"),
        '{"a": "utf-32"}'.encode("utf-32"),
        b'{"a": "\\ud800"}',
        b'{"a": "\xed\xa0\x80"}',
        b'{"a": "\\ud83d\\ude00", "b": "\xf0\x9f\x98\x80"}',
        b'{"a": 1, "a": 2}',
        b'{"a": "x\ny"}',
        b'{"a": 1,}',
        b"[" * 3000 + b"]" * 3000,
        b'{"a": 1}{"b": 2}',
        b'"text"',
        b"\xff",
    ],
)
def test_texts_orjson_reads_otherwise_take_the_standard_path(raw: bytes) -> None:
    assert _same(_outcome(raw), _expected(raw))


def test_a_surrogate_sent_as_raw_bytes_is_refused(api: V1) -> None:
    """ED A0 80 is a surrogate in UTF-8's form: the standard library decodes it, the text is not
    Unicode, and no later save or page could write it (the \\u-escape shortcut missed it)."""
    body = json.dumps(email_contact("s@example.com", given_name="@")).encode()
    raw = body.replace(b'"@"', b'"\xed\xa0\x80"')
    message = api.error(
        "POST", "/contacts", 400, content=raw, headers={"Content-Type": "application/json"}
    )
    assert message == UNCONVERTIBLE
    assert api.get("/contacts")["count"] == 0


def test_a_body_orjson_refuses_but_json_reads_still_creates(api: V1) -> None:
    """A byte-order mark: orjson refuses it, the standard library (and so keapsim) reads it."""
    raw = b"\xef\xbb\xbf" + json.dumps(email_contact("bom@example.com")).encode()
    headers = {"Content-Type": "application/json"}
    response = api.raw("POST", "/contacts", content=raw, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["email_addresses"] == [{"email": "bom@example.com", "field": "EMAIL1"}]
