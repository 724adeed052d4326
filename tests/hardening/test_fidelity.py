"""Issue 15: item 12 (a v1 fax entry without a number) and the email status a contact created
through the API has in captured Keap bodies."""

from __future__ import annotations

from keapsim import Simulator

# amp-labs/connectors providers/keap/test/write-contacts.json (commit 5a9ec4e8) and
# read-contacts-1-first-page-v1.json (commit e7ddaad0): a v1 create with only an email, and a
# v1 list, both show "email_opted_in": false with "email_status": "NonMarketable".
CAPTURED_STATUS = "NonMarketable"


def test_a_v1_fax_entry_without_a_number_leaves_the_number_out() -> None:
    sim = Simulator(throttle=False)
    with sim.client() as api:
        created = api.post(
            "/v1/contacts",
            json={
                "email_addresses": [{"email": "fax@example.invalid", "field": "EMAIL1"}],
                "fax_numbers": [{"field": "FAX1", "type": "Home"}],
            },
        )
        assert created.status_code == 201
        # fax_numbers is an optional property: a write answers the default ones (§9.1).
        assert "fax_numbers" not in created.json()
        read = api.get(
            f"/v1/contacts/{created.json()['id']}", params={"optional_properties": "fax_numbers"}
        ).json()
    assert read["fax_numbers"] == [{"type": "Home", "field": "FAX1"}]
    assert all(entry.get("number", "") is not None for entry in read["fax_numbers"])


def test_a_v1_contact_created_without_opt_in_is_non_marketable() -> None:
    sim = Simulator(throttle=False)
    with sim.client() as api:
        v1 = api.post(
            "/v1/contacts",
            json={"email_addresses": [{"email": "one@example.invalid", "field": "EMAIL1"}]},
        ).json()
        assert (v1["email_opted_in"], v1["email_status"]) == (False, CAPTURED_STATUS)
        listed = api.get("/v1/contacts").json()["contacts"][0]
    assert listed["email_status"] == CAPTURED_STATUS
    # v2's per-address email_opt_status is unchanged: no captured v2 body shows it.


def test_an_opted_in_contact_stays_unengaged_marketable() -> None:
    sim = Simulator(throttle=False)
    with sim.client() as api:
        v1 = api.post(
            "/v1/contacts",
            json={
                "email_addresses": [{"email": "two@example.invalid", "field": "EMAIL1"}],
                "opt_in_reason": "signed up on the form",
            },
        ).json()
    assert (v1["email_opted_in"], v1["email_status"]) == (True, "UnengagedMarketable")
