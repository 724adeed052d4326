"""Custom fields: read the contact model, create a field, write and read it on a contact."""

from __future__ import annotations

from contracts.data import person, unique_name
from contracts.session import V1, KeapSession


def test_custom_field_round_trip(keap: KeapSession) -> None:
    model = keap.get(f"{V1}/contacts/model")
    assert model.status_code == 200
    assert {"custom_fields", "optional_properties"} <= set(model.json())

    created = keap.post(
        f"{V1}/contacts/model/customFields",
        json={"label": unique_name("Contract field"), "field_type": "Text"},
    )
    assert created.status_code == 201, created.text
    field = created.json()
    fid = field["id"]
    assert fid in [f["id"] for f in keap.get(f"{V1}/contacts/model").json()["custom_fields"]]

    body = {**person(), "custom_fields": [{"id": fid, "content": "campaign-42"}]}
    contact = keap.post(f"{V1}/contacts", json=body)
    assert contact.status_code == 201, contact.text
    cid = contact.json()["id"]

    plain = keap.get(f"{V1}/contacts/{cid}").json()
    assert "custom_fields" not in plain  # not a default field (keap-facts §3.1)
    got = keap.get(f"{V1}/contacts/{cid}", params={"optional_properties": "custom_fields"})
    values = {f["id"]: f["content"] for f in got.json()["custom_fields"]}
    assert values[fid] == "campaign-42"


def test_unknown_custom_field_is_refused(keap: KeapSession) -> None:
    body = {**person(), "custom_fields": [{"id": 987654321, "content": "x"}]}
    r = keap.post(f"{V1}/contacts", json=body)
    assert r.status_code == 400
    assert "message" in r.json()
