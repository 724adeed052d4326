"""Declared resources: the generic store's checks, and the wire conversions both versions'
generated routes use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from keapsim.api.common import BadInput
from keapsim.api.crud import ApiResource, Routes, WireField, body_in, record_out
from keapsim.clock import Clock
from keapsim.store import Conflict, Invalid, NotFound, Tenant
from keapsim.store.resource import DeclaredStore, Field, ResourceSpec


@dataclass(slots=True)
class Gadget:
    id: int
    name: str
    price: Decimal | None = None
    category_id: int | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None


GADGET = ResourceSpec(
    record=Gadget,
    kind="Gadget",
    id_kind="gadget",
    noun="gadget",
    fields=(
        Field("name", required=True, max_length=5),
        Field("price", Decimal),
        Field("category_id", int, reference="tag_categories"),
    ),
    created="create_time",
    updated="update_time",
)


class GadgetStore(DeclaredStore[Gadget]):
    spec = GADGET


@pytest.fixture
def gadgets() -> GadgetStore:
    return GadgetStore(Tenant("t1", Clock().now))


def test_create_update_delete_with_checks(gadgets: GadgetStore) -> None:
    made = gadgets.create("Cog", price=Decimal("9.50"))
    assert (made.id, made.name, made.price) == (1, "Cog", Decimal("9.50"))
    assert made.create_time == made.update_time is not None
    changed = gadgets.update(made.id, name="Gear")
    assert changed.name == "Gear" and changed.update_time >= made.update_time
    for bad, message in (
        ({"name": ""}, "name is required"),
        ({"name": "Toolong"}, "name exceeds the maximum length of 5"),
        ({"price": "9.50"}, "Input could not be converted to a valid request"),
        ({"category_id": 99}, "category_id 99 does not exist"),
        ({"colour": "red"}, "Unknown field: colour"),
    ):
        with pytest.raises(Invalid) as err:
            gadgets.update(made.id, **bad)
        assert err.value.message == message
    with pytest.raises(Invalid):
        gadgets.create(price=Decimal(1))  # no name
    gadgets.delete(made.id)
    with pytest.raises(NotFound) as missing:
        gadgets.get(made.id)
    assert missing.value.message == "Unable to find this Gadget"


def test_a_guarded_delete_is_a_conflict() -> None:
    tenant = Tenant("t1", Clock().now)
    category = tenant.tag_categories.create(name="Used")
    tenant.tags.create("VIP", category_id=category.id)
    with pytest.raises(Conflict) as err:
        tenant.tag_categories.delete(category.id)
    assert (
        err.value.message
        == f"Tag Category {category.id} is used by 1 tag(s); move or delete them first"
    )
    assert category.id in tenant.tag_categories


GADGETS = ApiResource(
    store="gadgets",
    spec=GADGET,
    fields=(
        WireField("id", writable=False),
        WireField("name", v1="gadget_name"),
        WireField("price"),
        WireField("category_id", v1=None),
        WireField("create_time", v1=None, writable=False),
    ),
    v1=Routes("/gadgets", "gadgets"),
    v2=Routes("/gadgets", "gadgets"),
)


def test_wire_names_and_types_per_version() -> None:
    record = Gadget(3, "Cog", Decimal("9.50"), 7, datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert record_out(GADGETS, record, "v1") == {"id": 3, "gadget_name": "Cog", "price": 9.5}
    assert record_out(GADGETS, record, "v2") == {
        "id": "3",
        "name": "Cog",
        "price": 9.5,
        "category_id": "7",
        "create_time": "2025-01-02T03:04:05.000Z",
    }
    assert body_in(GADGETS, {"gadget_name": "Cog", "price": "1.25", "id": 9}, "v1") == {
        "name": "Cog",
        "price": Decimal("1.25"),
    }
    assert body_in(GADGETS, {"category_id": "12", "create_time": "x"}, "v2") == {"category_id": 12}
    for body in ({"name": 5}, {"price": "lots"}, {"price": True}, {"category_id": "1.5"}):
        with pytest.raises(BadInput):
            body_in(GADGETS, body, "v2")
