"""A blank ``update_mask=`` or ``fields=`` (what a client that serialises an empty list sends)
counts as absent, as a blank ``update_mask`` does in v1, instead of selecting nothing."""

from __future__ import annotations

from keapsim.store import Tenant

from .helpers import V2, email_contact


def test_blank_update_mask_applies_every_property_sent(api: V2, tenant: Tenant) -> None:
    contact = api.post("/contacts", 201, json=email_contact("blank@example.com", given_name="A"))
    changed = api.patch(
        f"/contacts/{contact['id']}",
        params={"update_mask": ""},
        json={"given_name": "B", "family_name": "C"},
    )
    assert (changed["given_name"], changed["family_name"]) == ("B", "C")
    stored = tenant.contacts.get(int(contact["id"]))
    assert (stored.given_name, stored.family_name) == ("B", "C")

    tag = api.post("/tags", 201, json={"name": "Old"})
    renamed = api.patch(f"/tags/{tag['id']}", params={"update_mask": ""}, json={"name": "New"})
    assert renamed["name"] == "New"


def test_blank_fields_gives_the_default_shape(api: V2) -> None:
    contact = api.post("/contacts", 201, json=email_contact("shape@example.com", given_name="S"))
    as_sent = V2(api.client, all_contact_fields=False)  # no fields: v2's default subset
    default = as_sent.get(f"/contacts/{contact['id']}")
    blank = as_sent.get(f"/contacts/{contact['id']}", params={"fields": ""})
    assert blank == default and blank["given_name"] == "S"
