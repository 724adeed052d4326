"""v2 referrals (declared list/create) and WordPress opt-in options (list, add, delete,
achieve: the options' goals in published campaigns start their sequences)."""

from __future__ import annotations

from keapsim.store import Tenant
from keapsim.store.campaigns import WORDPRESS_GOAL, WORDPRESS_INTEGRATION

from .helpers import V2, email_contact

OPTIONS = "/integrations/wordpress/options"


def contact(api: V2, email: str) -> str:
    return api.post("/contacts", 201, json=email_contact(email))["id"]


def test_create_and_list_referrals(api: V2, tenant: Tenant) -> None:
    ann, bob = contact(api, "ann@example.com"), contact(api, "bob@example.com")
    first = api.post(
        "/referrals",
        201,
        json={
            "contact_id": ann,
            "referral_partner_id": "12",
            "source": "Email Marketing",
            "description": "Referred via email campaign",
            "referral_type": "COOKIE",
            "ip_address": "192.0.2.1",
            "referral_time": "2026-05-21T14:30:00Z",
        },
    )
    assert first["contact_id"] == ann and first["referral_partner_id"] == "12"
    assert (
        first["referral_time"] == "2026-05-21T14:30:00.000Z" and first["referral_type"] == "COOKIE"
    )
    second = api.post("/referrals", 201, json={"contact_id": bob, "source": "Podcast"})
    assert second["referral_type"] == "MANUAL" and "referral_time" in second
    assert tenant.referrals.get(int(second["id"])).contact_id == int(bob)
    listed = api.get("/referrals")["referrals"]
    assert [r["id"] for r in listed] == [first["id"], second["id"]]
    assert api.get("/referrals", params={"filter": f"contact_id=={bob}"})["referrals"] == [second]
    assert api.get("/referrals", params={"filter": f"contact_id!={bob}"})["referrals"] == [first]
    assert api.get("/referrals", params={"filter": "source==email*"})["referrals"] == [first]
    assert api.get("/referrals", params={"filter": "type==MANUAL"})["referrals"] == [second]
    assert api.get("/referrals", params={"filter": "referral_partner_id>10"})["referrals"] == [
        first
    ]
    newest = api.get("/referrals", params={"order_by": "referral_time desc"})["referrals"]
    assert newest[0]["id"] == second["id"]
    api.error("POST", "/referrals", 400, json={"source": "no contact"})
    api.error("POST", "/referrals", 400, json={"contact_id": "999"})
    api.error("POST", "/referrals", 400, json={"contact_id": ann, "referral_type": "FRIEND"})
    api.error("GET", "/referrals", 400, params={"filter": "colour==red"})
    # A deleted contact's referrals go with it.
    api.delete(f"/contacts/{ann}")
    assert [r.id for r in tenant.referrals.values()] == [int(second["id"])]


def test_wordpress_options(api: V2, tenant: Tenant) -> None:
    created = api.post(OPTIONS, 201, json={"key": "NewsletterOptIn", "name": "Newsletter Opt-In"})
    assert created == {"key": "NewsletterOptIn", "name": "Newsletter Opt-In"}
    api.post(OPTIONS, 201, json={"key": "Webinar"})
    api.error("POST", OPTIONS, 409, json={"key": "Webinar"})
    api.error("POST", OPTIONS, 400, json={"key": "not alphanumeric!"})
    api.error("POST", OPTIONS, 400, json={"name": "no key"})
    listed = api.get(OPTIONS)["wordpress_opt_in_options"]
    assert listed == [created, {"key": "Webinar"}]
    api.delete(f"{OPTIONS}/Webinar")
    assert [o.key for o in tenant.wordpress_options.values()] == ["NewsletterOptIn"]
    api.error("DELETE", f"{OPTIONS}/Webinar", 404)


def test_achieving_a_wordpress_option_starts_its_goals_sequences(api: V2, tenant: Tenant) -> None:
    api.post(OPTIONS, 201, json={"key": "NewsletterOptIn"})
    campaign = tenant.campaigns.create("Newsletter", ["Welcome"])
    tenant.campaigns.add_goal(
        campaign.id,
        "Opted in",
        WORDPRESS_GOAL,
        integration=WORDPRESS_INTEGRATION,
        call_name="NewsletterOptIn",
    )
    ann = contact(api, "ann@example.com")
    result = api.post(f"{OPTIONS}/NewsletterOptIn:achieve", 202, json={"contact_id": ann})
    assert result == {"successful": True}
    assert tenant.campaigns.sequence_contacts(campaign.id, campaign.sequences[0].id) == [int(ann)]
    goals = api.get(f"/campaigns/{campaign.id}/goals")["goals"]
    assert (
        goals[0]["type"] == "WordPress" and goals[0]["historical_contact_counts"]["24_hours"] == 1
    )
    # An option no goal listens to is accepted, and achieves nothing.
    api.post(OPTIONS, 201, json={"key": "Other"})
    assert api.post(f"{OPTIONS}/Other:achieve", 202, json={"contact_id": ann}) == {
        "successful": False
    }
    api.error("POST", f"{OPTIONS}/Missing:achieve", 404, json={"contact_id": ann})
    api.error("POST", f"{OPTIONS}/NewsletterOptIn:achieve", 404, json={"contact_id": "999"})
    api.error("POST", f"{OPTIONS}/NewsletterOptIn:achieve", 400, json={"contact_id": "a-uuid"})
    api.error("POST", f"{OPTIONS}/NewsletterOptIn:achieve", 400, json={})
