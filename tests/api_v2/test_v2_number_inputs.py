"""Numbers in v2 paths, filters, paging and bodies: text that ``str.isdigit`` accepts but
``int()`` does not (a superscript "²"), or longer than ``int()`` parses, is a 400 or a 404,
never a 500."""

from __future__ import annotations

import pytest

from .helpers import V2, email_contact

ODD_NUMBERS = ["\u00b2", "9" * 5000, "--5"]


@pytest.mark.parametrize("odd", ODD_NUMBERS)
@pytest.mark.parametrize(
    ("path", "param", "template"),
    [
        ("/contacts", "filter", "contact_id>{}"),
        ("/contacts", "filter", "ids=={}"),
        ("/contacts", "filter", "company_id=={}"),
        ("/contacts", "page_size", "{}"),
        ("/tags", "filter", "category_id=={}"),
        ("/tags", "filter", "tag_ids=={}"),
        ("/users", "filter", "user_ids=={}"),
        ("/leadSources", "filter", "id>{}"),
    ],
)
def test_odd_numbers_in_queries_are_400(
    api: V2, odd: str, path: str, param: str, template: str
) -> None:
    body = api.error("GET", path, 400, params={param: template.format(odd)})
    assert body["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("odd", ["\u00b2", "9" * 5000])
def test_odd_numbers_in_paths_are_404(api: V2, odd: str) -> None:
    for path in (f"/contacts/{odd}", f"/tags/{odd}", f"/users/{odd}", f"/leadSources/{odd}"):
        api.error("GET", path, 404)


def test_odd_numbers_in_bodies_are_400(api: V2) -> None:
    tag = api.post("/tags", 201, json={"name": "T"})
    for odd in ODD_NUMBERS:
        api.error("POST", f"/tags/{tag['id']}/contacts:applyTags", 400, json={"contact_ids": [odd]})
        api.error("POST", "/contacts", 400, json=email_contact("o@example.com", owner_id=odd))
