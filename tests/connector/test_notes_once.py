"""Issue 15 item 9: a lead's note is posted once, also when an answer is lost or the lead is
delivered again after its contact was saved; a failure names the step that failed."""

from __future__ import annotations

import pytest
from support.connector_flows import GUIDE_LEAD

VERSIONS = pytest.mark.parametrize("version", ["v1", "v2"])
NOTE = {"note": {"title": "Web lead", "body": "from {{ lead.email }}"}}


def _notes_of(sim, email: str) -> list:
    (contact,) = sim.tenant().contacts.find_by_email(email)
    return sim.tenant().notes.list_by(contact_id=contact.id)


@VERSIONS
def test_a_lost_note_answer_is_looked_up_not_posted_again(version, sim, connect):
    path = "/crm/rest/v1/notes" if version == "v1" else "/crm/rest/v2/contacts/*/notes"
    sim.faults.add(method="POST", path=path, apply_then_fail=True, times=1, status=503)
    result = connect(version, **NOTE).deliver(GUIDE_LEAD)
    assert result.outcome == "success", result.reason
    assert len(_notes_of(sim, GUIDE_LEAD["email"])) == 1
    assert result.step("note").detail == "added (response lost, found by look-up)"


@VERSIONS
def test_delivering_a_saved_lead_again_adds_no_second_note(version, sim, connect):
    connector = connect(version, **NOTE)
    first = connector.deliver(GUIDE_LEAD)
    again = connector.deliver(GUIDE_LEAD)
    assert (first.outcome, again.outcome) == ("success", "success")
    assert len(_notes_of(sim, GUIDE_LEAD["email"])) == 1
    assert again.step("note").detail == "already on the contact"


@VERSIONS
def test_a_failed_note_step_is_named_in_the_result(version, sim, connect):
    path = "/crm/rest/v1/notes" if version == "v1" else "/crm/rest/v2/contacts/*/notes"
    sim.faults.add(method="POST", path=path, status=503)  # every attempt
    result = connect(version, **NOTE).deliver(GUIDE_LEAD)
    assert result.outcome == "error"
    assert result.failed_step == "note"
    assert "contact saved" in result.reason and "(note)" in result.reason
