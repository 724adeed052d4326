"""Helpers shared by the control-plane state tests."""

from __future__ import annotations

from typing import Any

from keapsim.simulator import Simulator, TenantCredentials
from keapsim.store import Tenant


def contact_body(email: str, given_name: str = "Ada", **extra: Any) -> dict[str, Any]:
    return {
        "given_name": given_name,
        "email_addresses": [{"email": email, "field": "EMAIL1"}],
        **extra,
    }


def populate(sim: Simulator, credentials: TenantCredentials) -> dict[str, int]:
    """A tenant with one of everything, made through the v1 API where it has an operation and
    through the store where it does not (campaigns, users, lead sources, notes)."""
    tenant: Tenant = sim.tenant(credentials.tenant_id)
    with sim.client(credentials) as client:
        field = client.post(
            "/v1/contacts/model/customFields", json={"label": "Shoe size", "field_type": "Text"}
        )
        assert field.status_code == 201, field.text
        field_id = field.json()["id"]
        ada = client.post(
            "/v1/contacts",
            json=contact_body(
                "ada@example.com",
                family_name="Lovelace",
                custom_fields=[{"id": field_id, "content": "38"}],
                addresses=[
                    {
                        "field": "BILLING",
                        "line1": "1 Main St",
                        "country_code": "USA",
                        "region": "US-NY",
                    }
                ],
            ),
        )
        assert ada.status_code == 201, ada.text
        grace = client.post("/v1/contacts", json=contact_body("grace@example.com", "Grace"))
        tag = client.post("/v1/tags", json={"name": "vip"})
        assert tag.status_code == 200, tag.text
        ada_id, grace_id, tag_id = ada.json()["id"], grace.json()["id"], tag.json()["id"]
        applied = client.post(f"/v1/contacts/{ada_id}/tags", json={"tagIds": [tag_id]})
        assert applied.status_code == 200, applied.text
    campaign = tenant.campaigns.create("Welcome", ["Day 1", "Day 2"], [("Signup", "web", "join")])
    tenant.campaigns.add_to_sequence(campaign.id, campaign.sequences[0].id, [ada_id, grace_id])
    rep = tenant.users.create("rep@example.com", "Rita", status="Active")
    tenant.notes.create(ada_id, title="Called", body="left a message", type="Call", user_id=rep.id)
    category = tenant.lead_source_categories.create("Paid")
    tenant.lead_sources.create("Ads", category_id=category.id, medium="cpc")
    return {
        "ada": ada_id,
        "grace": grace_id,
        "tag": tag_id,
        "campaign": campaign.id,
        "sequence": campaign.sequences[0].id,
        "custom_field": field_id,
    }


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """A state document without what differs between two saves of the same state."""
    return {k: v for k, v in document.items() if k not in ("saved_at", "clock")}
