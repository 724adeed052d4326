"""The shared v2 list step (keapsim/api/v2/listing.py): orders an index serves are read from
the index, never sorted in memory, and the checks keep the order each operation had."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from keapsim.api.v2 import listing
from keapsim.simulator import Simulator

from .helpers import V2, email_contact

Sorts = list[str]


@pytest.fixture
def sorts(monkeypatch: pytest.MonkeyPatch) -> Sorts:
    """The order_by names the list step sorted by in memory."""
    seen: Sorts = []
    real = listing.ordered

    def spy(items: Sequence[Any], keys: Any, default: str = "id") -> list[Any]:
        seen.append(default)
        return real(items, keys, default)

    monkeypatch.setattr(listing, "ordered", spy)
    return seen


def _contacts(api: V2, sim: Simulator, emails: list[str]) -> list[str]:
    """Contacts created a second apart (so their create times differ), in id order."""
    ids = []
    for email in emails:
        ids.append(api.post("/contacts", expect=201, json=email_contact(email))["id"])
        sim.clock.advance(1)
    return ids


def test_contact_orders_an_index_serves_are_not_sorted(
    api: V2, sim: Simulator, sorts: Sorts
) -> None:
    ids = _contacts(api, sim, ["c@example.com", "a@example.com", "b@example.com"])
    unordered = api.get("/contacts", params={"page_size": 2})
    by_email = api.get("/contacts", params={"order_by": "email desc"})
    assert [c["id"] for c in unordered["contacts"]] == ids[:2]
    assert [c["id"] for c in by_email["contacts"]] == [ids[0], ids[2], ids[1]]
    assert sorts == []


def test_a_contact_order_no_index_serves_is_sorted(api: V2, sim: Simulator, sorts: Sorts) -> None:
    ids = _contacts(api, sim, ["c@example.com", "a@example.com"])
    newest_first = api.get("/contacts", params={"order_by": "create_time desc"})
    assert [c["id"] for c in newest_first["contacts"]] == ids[::-1]
    assert len(sorts) == 1


def test_unordered_opportunities_and_subscriptions_are_not_sorted(api: V2, sorts: Sorts) -> None:
    api.get("/opportunities")
    api.get("/subscriptions")
    api.get("/companies", params={"order_by": "name desc"})
    assert sorts == []


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        # contacts read ``fields`` after paging, companies before the filter: kept as they were
        ("/contacts", {"page_size": "5000", "fields": "zzz"}, "page_size must be at most 1000"),
        ("/companies", {"filter": "zzz==1", "fields": "zzz"}, "Invalid fields: zzz"),
        ("/tags", {"filter": "zzz==1", "order_by": "zzz"}, "Invalid filter field: zzz"),
        ("/tags", {"order_by": "zzz", "page_size": "5000"}, "Invalid order_by: zzz"),
    ],
)
def test_the_first_bad_parameter_is_the_one_told(
    api: V2, path: str, params: dict[str, str], message: str
) -> None:
    body = api.error("GET", path, 400, params=params)
    assert body["message"].startswith(message), body


def test_a_clause_test_builds_once_per_clause() -> None:
    built: list[str] = []

    def clause_test(clause: Any) -> Callable[[int, str], bool]:
        built.append(clause)
        return lambda number, text: number > 1 and text == "x"

    pair_test = listing.on_pairs(clause_test)("c")
    assert [pair_test(pair) for pair in [(2, "x"), (1, "x"), (2, "y")]] == [True, False, False]
    assert built == ["c"]


def test_a_filtered_list_in_descending_id_order_comes_newest_first(api: V2, sim: Simulator) -> None:
    """A filter narrows the table by an index; ``order_by=id desc`` still reverses the ids (it
    used to come back ascending: the store dropped ``descending`` for its default order)."""
    ids = _contacts(api, sim, ["ann1@example.com", "bob@example.com", "ann2@example.com"])
    params = {"filter": "email==ann*", "order_by": "id desc"}
    assert [c["id"] for c in api.get("/contacts", params=params)["contacts"]] == [ids[2], ids[0]]
    params["order_by"] = "id"
    assert [c["id"] for c in api.get("/contacts", params=params)["contacts"]] == [ids[0], ids[2]]
