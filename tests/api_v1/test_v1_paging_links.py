"""v1 page links built the fast way (issue 18) equal what ``urllib.parse`` built: the quoting of
the other parameters and the base URL cached per host and path."""

from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from hypothesis import given
from hypothesis import strategies as st
from support.api_client import email_contact

from keapsim.api.paging import _encoded, quote_plus_text
from keapsim.simulator import Simulator

from .helpers import V1


@given(st.text())
def test_quoting_equals_quote_plus(text: str) -> None:
    try:
        expected = quote_plus(text)
    except UnicodeEncodeError:  # a lone surrogate: both refuse it
        expected = None
    try:
        got: str | None = quote_plus_text(text)
    except UnicodeEncodeError:
        got = None
    assert got == expected


@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=5))
def test_encoding_equals_urlencode(pairs: dict[str, str]) -> None:
    try:
        expected = urlencode(pairs)
    except UnicodeEncodeError:
        return
    assert _encoded(pairs.items()) == expected


def test_the_links_keep_the_other_parameters_quoted(api: V1) -> None:
    api.post("/contacts", 201, json=email_contact("a+b@example.com"))
    body = api.get("/contacts?email=a%2Bb%40example.com&x=%C3%A9+y&limit=1&offset=0")
    expected_query = urlencode({"email": "a+b@example.com", "x": "é y"})
    base = "http://keapsim.local/crm/rest/v1/contacts/"
    assert body["next"] == f"{base}?{expected_query}&limit=1&offset=1"
    assert body["previous"] == f"{base}?{expected_query}&limit=1&offset=0"
    assert body["count"] == 1


def test_the_links_follow_the_host_asked_for(sim: Simulator) -> None:
    """The base URL is cached per host: two hosts get two bases."""
    for host in ("first.example:8080", "second.example"):
        with sim.client(headers={"Host": host}) as client:
            body = client.get("/v1/contacts?limit=5").json()
        assert body["next"] == f"http://{host}/crm/rest/v1/contacts/?limit=5&offset=5"
