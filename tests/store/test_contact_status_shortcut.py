"""A contact's email status without any status records takes a shortcut (issue 18): it must
answer what the full rules answer, which a tenant holding a record for an unrelated address
still runs."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from keapsim import Simulator

addresses = st.sampled_from(["a@example.com", "A@Example.com", "b@example.com", None])
items = st.lists(
    st.fixed_dictionaries(
        {"email": addresses, "field": st.sampled_from(["EMAIL1", "EMAIL2", "EMAIL3"])},
        optional={"opt_in_reason": st.sampled_from(["", "asked", None])},
    ),
    max_size=3,
)


def _tenants() -> tuple[Any, Any]:
    sim = Simulator(throttle=False)
    with_record = sim.tenant(sim.create_tenant().tenant_id)
    with_record.contacts.create(
        {"email_addresses": [{"email": "unrelated@example.com", "field": "EMAIL1"}]}
    )
    with_record.email_statuses.set_opt_in("unrelated@example.com", True, "a record elsewhere")
    assert len(with_record.email_statuses.table) == 1
    return sim.tenant(), with_record


TENANTS = _tenants()


def _contact(tenant: Any, emails: list[dict[str, Any]], reason: str | None) -> Any:
    fields: dict[str, Any] = {
        "email_addresses": [e for e in emails if e["email"] is not None],
        "phone_numbers": [{"number": "555", "field": "PHONE1"}],
    }
    if reason is not None:
        fields["opt_in_reason"] = reason
    return tenant.contacts.create(fields)


@settings(max_examples=120, deadline=None)
@given(emails=items, reason=st.sampled_from([None, "", "signed up"]), asked=addresses)
def test_the_shortcut_answers_what_the_full_rules_answer(
    emails: list[dict[str, Any]], reason: str | None, asked: str | None
) -> None:
    bare, with_record = TENANTS
    first = _contact(bare, emails, reason)
    second = _contact(with_record, emails, reason)
    assert bare.email_statuses.contact_status(first) == with_record.email_statuses.contact_status(
        second
    )
    if asked is not None:
        assert bare.email_statuses.contact_status(
            first, asked
        ) == with_record.email_statuses.contact_status(second, asked)
