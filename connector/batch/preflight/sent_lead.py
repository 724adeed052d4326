"""``send-test-lead``: deliver one lead, then read the contact, its tags and sequences back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The test lead ``send-test-lead`` delivers: obviously a test, valid in every field, so a
#: failure points at the flow or the account rather than the data.
TEST_LEAD: dict[str, str] = {
    "first_name": "Test",
    "last_name": "Lead",
    "email": "test.lead@example.com",
    "phone_1": "+1 602 555 0143",
    "address_1": "100 Test Street",
    "city": "Phoenix",
    "state": "AZ",
    "postal_code": "85004",
    "country": "US",
    "website": "https://example.com",
    "title": "Test Contact",
    "comments": "Test lead sent by keap-connector send-test-lead. Safe to delete.",
    "utm_source": "keap-connector",
    "utm_medium": "test",
    "utm_campaign": "send-test-lead",
}


@dataclass
class TestLeadOutcome:
    result: Any
    contact: dict[str, Any] | None
    problem: str | None = None
    #: the contact's tag ids as Keap lists them after the delivery
    tag_ids: list[int] | None = None
    #: each sequence the delivery added the contact to, with Keap's answer when asked again
    sequences: list[dict[str, Any]] = field(default_factory=list)


def send_test(connector: Any, lead: dict[str, Any], *, log: Any = None) -> TestLeadOutcome:
    """Deliver ``lead`` and read the contact back from Keap."""
    from connector.batch.readers import InputRecord, lead_key
    from connector.batch.results import record_result, result_from_connector
    from connector.client.errors import KeapError

    value = connector.deliver(lead)
    record = InputRecord(line=0, lead=lead, raw="", key=lead_key(lead, ""))
    result = result_from_connector(record, value, 0.0)
    if log is not None:
        record_result(
            log,
            result,
            email=lead.get("email"),
            source="send-test-lead",
            line=None,
            lead_key=record.key,
            # its own row in `report --group-by run`, not "(no run)"
            run_id="send-test-lead",
        )
    outcome = TestLeadOutcome(result=result, contact=None)
    if result.contact_id:
        try:
            outcome.contact = connector.client.get_contact(result.contact_id)
            _read_back(connector, result, outcome)
        except KeapError as exc:
            outcome.problem = f"could not read the contact back: {exc}"
    return outcome


def _read_back(connector: Any, result: Any, outcome: TestLeadOutcome) -> None:
    """Tags and sequence membership of the test contact, as Keap has them now."""
    from connector.client.keap import RequestStats

    dialect, client, stats = connector.dialect, connector.client, RequestStats()
    outcome.tag_ids = dialect.contact_tag_ids(client, result.contact_id, stats)
    for step in result.details.get("steps", []):
        data = (step.get("data") or {}) if isinstance(step, dict) else {}
        if "campaign_id" not in data or step.get("status") != "ok":
            continue
        answer = dialect.confirm_in_sequence(
            client, result.contact_id, data["campaign_id"], data["sequence_id"], stats
        )
        outcome.sequences.append(
            {
                "campaign_id": data["campaign_id"],
                "sequence_id": data["sequence_id"],
                "member": answer.upper() == "ALREADY_IN_SEQUENCE",
                "keap_answer": answer,
            }
        )
