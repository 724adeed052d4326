"""Filter fields of GET /v2/contacts that the v2 document lists beyond names and ids:
``lead_source_name`` and comparisons on numeric and date custom fields."""

from __future__ import annotations

import pytest

from keapsim.store import Tenant

from .helpers import V2, email_contact


def test_lead_source_name_filter_with_wildcard(api: V2, tenant: Tenant) -> None:
    google = tenant.lead_sources.create("Google Ads")
    referral = tenant.lead_sources.create("Referral")
    ad = api.post(
        "/contacts", 201, json=email_contact("ad@example.com", leadsource_id=str(google.id))
    )
    api.post(
        "/contacts", 201, json=email_contact("ref@example.com", leadsource_id=str(referral.id))
    )
    api.post("/contacts", 201, json=email_contact("none@example.com"))
    for expression in ("lead_source_name==Google*", "lead_source_name==google ads"):
        hits = api.get("/contacts", params={"filter": expression})
        assert [c["id"] for c in hits["contacts"]] == [ad["id"]]


def _field(api: V2, label: str, field_type: str) -> dict:
    return api.post(
        "/contacts/model/customFields", 201, json={"label": label, "field_type": field_type}
    )


def test_numeric_custom_field_comparisons(api: V2) -> None:
    score = _field(api, "Score", "WHOLE_NUMBER")
    ids = [
        api.post(
            "/contacts",
            201,
            json=email_contact(
                f"s{n}@example.com", custom_fields=[{"id": score["id"], "content": n}]
            ),
        )["id"]
        for n in (5, 50, 500)
    ]
    api.post("/contacts", 201, json=email_contact("blank@example.com"))
    expectations = {
        "Score>5": ids[1:],
        "score>=50": ids[1:],
        "Score<500": ids[:2],
        "Score==50": [ids[1]],
    }
    for expression, expected in expectations.items():
        hits = api.get("/contacts", params={"filter": expression})
        assert [c["id"] for c in hits["contacts"]] == expected, expression


def test_date_custom_field_comparisons(api: V2) -> None:
    renewal = _field(api, "Renewal", "DATE")
    early = api.post(
        "/contacts",
        201,
        json=email_contact(
            "early@example.com", custom_fields=[{"id": renewal["id"], "content": "2026-01-15"}]
        ),
    )
    late = api.post(
        "/contacts",
        201,
        json=email_contact(
            "late@example.com", custom_fields=[{"id": renewal["id"], "content": "2026-06-01"}]
        ),
    )
    after = api.get("/contacts", params={"filter": "Renewal>2026-03-01T00:00:00.000Z"})
    before = api.get("/contacts", params={"filter": "Renewal<=2026-03-01T00:00:00.000Z"})
    assert [c["id"] for c in after["contacts"]] == [late["id"]]
    assert [c["id"] for c in before["contacts"]] == [early["id"]]


@pytest.mark.parametrize(
    ("field_type", "expression"),
    [
        ("WHOLE_NUMBER", "Level>high"),
        ("DATE", "Level>2026-01-01"),
        ("TEXT", "Level>abc"),
    ],
)
def test_bad_custom_field_comparisons_are_400(api: V2, field_type: str, expression: str) -> None:
    _field(api, "Level", field_type)
    body = api.error("GET", "/contacts", 400, params={"filter": expression})
    assert body["details"] == [{"domain": "field", "resource": "filter"}]
