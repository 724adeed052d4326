"""Duplicate handling in every mode and profile, and lost responses after a create."""

from __future__ import annotations

import pytest
from support.connector_flows import GUIDE_LEAD, flow

from connector import Connector, parse_config

VERSIONS = pytest.mark.parametrize("version", ["v1", "v2"])


def connector_for(sim, creds, version: str, mode: str) -> Connector:
    keap = {"credentials": {"type": "api_key", "api_key": creds.api_key}}
    config = parse_config(flow(sim, version, keap=keap, duplicates={"mode": mode}))
    return Connector(
        config, transport=sim.transport(), sleep=sim.clock.advance, clock=sim.clock.time
    )


@pytest.mark.parametrize("profile", ["keap", "guide"])
@pytest.mark.parametrize("mode", ["update_existing", "create_new", "skip_existing"])
@VERSIONS
def test_duplicate_handling(version, mode, profile, sim):
    creds = sim.create_tenant(profile=profile)
    tenant = sim.tenant(creds.tenant_id)
    with connector_for(sim, creds, version, mode) as connector:
        first = connector.deliver(GUIDE_LEAD)
        again = connector.deliver({**GUIDE_LEAD, "title": "Countess"})

    assert (first.outcome, first.duplicate) == ("success", False), first.reason
    stored = tenant.contacts.find_by_email(GUIDE_LEAD["email"])
    original = tenant.contacts.get(int(first.contact_id))
    if mode == "create_new" and profile == "keap":
        # Keap's plain POST never de-duplicates: a second contact, the first one untouched
        assert (again.outcome, again.duplicate) == ("success", False)
        assert again.contact_id != first.contact_id
        assert len(stored) == 2 and original.job_title == "Chief Analyst"
    elif mode == "skip_existing":
        assert (again.outcome, again.duplicate) == ("skip", True)
        assert again.reason == "contact already exists in Keap (skip_existing)"
        assert again.contact_id == first.contact_id
        assert len(stored) == 1 and original.job_title == "Chief Analyst"
    else:
        # update_existing in both profiles, and create_new where the guide profile answers 409
        assert (again.outcome, again.duplicate) == ("success", True), again.reason
        assert again.contact_id == first.contact_id
        assert len(stored) == 1 and original.job_title == "Countess"
        contact_steps = [s for s in again.steps if s.name == "contact"]
        if mode == "create_new":
            assert contact_steps[0].http_status == 409


@pytest.mark.parametrize("lost", [{"effect": "drop"}, {"status": 503}], ids=["dropped", "503"])
@pytest.mark.parametrize("mode", ["update_existing", "skip_existing"])
@VERSIONS
def test_lost_response_after_create_makes_no_second_contact(version, mode, lost, sim):
    creds = sim.default_tenant
    method = "PUT" if version == "v1" and mode == "update_existing" else "POST"
    path = f"/crm/rest/{version}/contacts"
    # Keap creates the contact, then the answer never arrives (or arrives as a 503).
    rule = sim.faults.add(method=method, path=path, apply_then_fail=True, times=1, **lost)
    with connector_for(sim, creds, version, mode) as connector:
        result = connector.deliver(GUIDE_LEAD)

    assert rule.fired == 1
    assert result.outcome == "success", result.reason
    (contact,) = sim.tenant().contacts.find_by_email(GUIDE_LEAD["email"])
    assert result.contact_id == str(contact.id)
    if mode == "skip_existing":
        # the create is not repeated: a look-up finds the contact the lost call made
        assert sim.journal.count(method="POST", path=path) == 1
        assert result.duplicate is False
        assert result.step("contact").detail == "created (response lost, found by look-up)"
    elif version == "v1":
        assert result.duplicate is False  # the v1 look-up ran before the PUT
    else:
        # v2's upsert is repeated safely, but its 200 cannot tell whose call created the contact
        assert any("lost" in w for w in result.warnings)


def test_lost_response_recovery_still_retries_when_nothing_was_created(sim):
    # A 503 *before* Keap acted: the look-up finds nothing, so the create is sent again.
    sim.faults.add(method="POST", path="/crm/rest/v2/contacts", status=503, times=1)
    with connector_for(sim, sim.default_tenant, "v2", "skip_existing") as connector:
        result = connector.deliver(GUIDE_LEAD)
    assert (result.outcome, result.duplicate) == ("success", False), result.reason
    assert [e.status for e in sim.journal.find(method="POST", path="/crm/rest/v2/contacts")] == [
        503,
        201,
    ]
    assert len(sim.tenant().contacts.find_by_email(GUIDE_LEAD["email"])) == 1


@VERSIONS
def test_409_on_the_upsert_is_handled_as_update_existing(version, sim):
    creds = sim.default_tenant
    with connector_for(sim, creds, version, "update_existing") as connector:
        first = connector.deliver(GUIDE_LEAD)
        method = "PUT" if version == "v1" else "POST"
        sim.faults.add(
            method=method,
            path=f"/crm/rest/{version}/contacts",
            status=409,
            response={"message": "duplicate", "existing_contact_id": int(first.contact_id)},
            times=1,
        )
        again = connector.deliver({**GUIDE_LEAD, "title": "Countess"})
    assert (again.outcome, again.duplicate) == ("success", True), again.reason
    assert again.contact_id == first.contact_id
    assert sim.tenant().contacts.get(int(first.contact_id)).job_title == "Countess"
    assert sim.journal.count(method="PATCH", path=f"*/contacts/{first.contact_id}") == 1


@pytest.mark.parametrize("lost", [{"effect": "drop"}, {"status": 503}], ids=["dropped", "503"])
def test_a_v2_contact_created_by_a_lost_call_counts_as_new(lost, sim):
    # Issue 15 item 8: the re-sent upsert answers 200 ("existing"), but the contact was created
    # after the lead started, so `when: new` follow-ups must still run.
    creds = sim.default_tenant
    sim.faults.add(
        method="POST", path="/crm/rest/v2/contacts", apply_then_fail=True, times=1, **lost
    )
    with connector_for(sim, creds, "v2", "update_existing") as connector:
        result = connector.deliver(GUIDE_LEAD)
    assert result.outcome == "success", result.reason
    assert result.duplicate is False
    assert any("created after this lead started" in w for w in result.warnings)


def test_a_v2_contact_that_existed_before_the_lead_stays_a_duplicate(sim):
    creds = sim.default_tenant
    with connector_for(sim, creds, "v2", "update_existing") as connector:
        connector.deliver(GUIDE_LEAD)
        sim.clock.advance(3600)  # the next delivery starts an hour after the contact was made
        sim.faults.add(
            method="POST", path="/crm/rest/v2/contacts", apply_then_fail=True, times=1, status=503
        )
        again = connector.deliver(GUIDE_LEAD)
    assert (again.outcome, again.duplicate) == ("success", True), again.reason
