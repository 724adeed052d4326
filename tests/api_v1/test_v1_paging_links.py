"""v1 page links: the other parameters quoted as ``urllib.parse.urlencode`` quotes them, and the
base URL cached per host and path."""

from __future__ import annotations

from urllib.parse import urlencode

from support.api_client import email_contact

from keapsim.simulator import Simulator

from .helpers import V1


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
