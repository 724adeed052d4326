"""v2 product options (LIST with list items, TEXT with text rules), shown on the product."""

from __future__ import annotations

from decimal import Decimal

from keapsim.store import Tenant

from .helpers import V2


def a_product(api: V2) -> str:
    body = {"name": "Shirt", "price": 2000, "short_description": "A shirt"}
    return api.post("/products", 201, json=body)["id"]


def test_list_option_and_its_items(api: V2, tenant: Tenant) -> None:
    product = a_product(api)
    options = f"/products/{product}/options"
    size = api.post(
        options,
        201,
        json={
            "option_type": "LIST",
            "option_label": "Size",
            "required": True,
            "list_items": [
                {"item_label": "Medium", "item_code": "M", "item_display_order": 1},
                {"item_label": "Large", "item_code": "L", "price_adjustment": 2.5},
            ],
        },
    )
    assert size["option_type"] == "LIST" and size["product_id"] == product
    labels = [(i["item_label"], i["price_adjustment"]) for i in size["list_items"]]
    assert labels == [("Large", 2.5), ("Medium", 0.0)]  # by display order
    stored = tenant.product_options.get(int(size["id"]))
    assert stored.list_items[1].price_adjustment == Decimal("2.5")
    assert api.get(f"{options}/{size['id']}") == size
    added = api.post(
        f"{options}/{size['id']}/listItems", 201, json=[{"item_label": "Small", "item_code": "S"}]
    )
    small = next(i for i in added["list_items"] if i["item_label"] == "Small")
    items = f"{options}/{size['id']}/listItems"
    changed = api.patch(f"{items}/{small['item_id']}", json={"price_adjustment": -1})
    assert (
        next(i for i in changed["list_items"] if i["item_id"] == small["item_id"])[
            "price_adjustment"
        ]
        == -1.0
    )
    api.delete(f"{items}/{small['item_id']}")
    assert len(tenant.product_options.get(int(size["id"])).list_items) == 2
    api.error("DELETE", f"{items}/{small['item_id']}", 404)
    api.error("POST", items, 400, json=[{"item_label": "   "}])
    api.error("POST", items, 400, json={"item_label": "not a list"})
    shown = api.get(f"/products/{product}")["options"]
    assert shown[0]["type"] == "FIXED" and shown[0]["name"] == "Size"
    assert [o["value"] for o in shown[0]["fixed_options"]] == ["Large", "Medium"]


def test_text_option_and_updates(api: V2, tenant: Tenant) -> None:
    product = a_product(api)
    options = f"/products/{product}/options"
    engraving = api.post(
        options,
        201,
        json={
            "option_type": "TEXT",
            "option_label": "Engraving",
            "display_order": 2,
            "text_rules": {
                "minimum_characters": 1,
                "maximum_characters": 20,
                "only_contains": "DIGIT",
            },
        },
    )
    assert engraving["text_rules"] == {
        "minimum_characters": 1,
        "maximum_characters": 20,
        "only_contains": "DIGIT",
    }
    patched = api.patch(
        f"{options}/{engraving['id']}", json={"option_label": "Initials", "maximum_characters": 3}
    )
    assert (
        patched["option_label"] == "Initials" and patched["text_rules"]["maximum_characters"] == 3
    )
    masked = api.patch(
        f"{options}/{engraving['id']}",
        params={"update_mask": "required"},
        json={"required": True, "option_label": "ignored"},
    )
    assert masked["required"] is True and masked["option_label"] == "Initials"
    listed = api.get(options)["product_options"]
    assert listed == [masked]
    variable = api.get(f"/products/{product}")["options"][0]
    assert variable["type"] == "VARIABLE" and variable["variable_setting"]["contains"] == "NUMBER"
    api.error("POST", options, 400, json={"option_label": "No type"})
    api.error("POST", options, 400, json={"option_type": "COLOUR"})
    api.error(
        "POST", options, 400, json={"option_type": "TEXT", "list_items": [{"item_label": "x"}]}
    )
    api.error(
        "POST", options, 400, json={"option_type": "TEXT", "text_rules": {"only_contains": "EMOJI"}}
    )
    api.error("POST", f"{options}/{engraving['id']}/listItems", 400, json=[{"item_label": "x"}])
    api.error("GET", f"/products/999/options/{engraving['id']}", 404)
    api.delete(f"{options}/{engraving['id']}")
    assert len(tenant.product_options) == 0
    # A deleted product's options go with it.
    api.post(options, 201, json={"option_type": "LIST", "option_label": "Colour"})
    api.delete(f"/products/{product}")
    assert len(tenant.product_options) == 0
