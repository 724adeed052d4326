"""Lead sources (v2 only) and a contact's lead_source_id (v1 optional property)."""

from __future__ import annotations

from contracts.data import person, unique_name
from contracts.session import UNKNOWN_ID, V1, V2, KeapSession


def test_lead_source_lifecycle(keap: KeapSession) -> None:
    created = keap.post(
        f"{V2}/leadSources",
        json={"name": unique_name("LeadConduit"), "status": "ACTIVE", "medium": "API"},
    )
    assert created.status_code == 201, created.text
    source = created.json()
    sid = source["id"]
    assert isinstance(sid, str)

    got = keap.get(f"{V2}/leadSources/{sid}")
    assert got.status_code == 200 and got.json()["id"] == sid
    listed = keap.get(f"{V2}/leadSources")
    assert listed.status_code == 200
    assert sid in [s["id"] for s in listed.json()["lead_sources"]]

    patched = keap.patch(f"{V2}/leadSources/{sid}", json={"status": "INACTIVE"})
    assert patched.status_code == 200
    assert patched.json()["status"] == "INACTIVE"

    contact = keap.post(f"{V1}/contacts", json={**person(), "lead_source_id": int(sid)})
    assert contact.status_code == 201, contact.text
    cid = contact.json()["id"]
    plain = keap.get(f"{V1}/contacts/{cid}").json()
    assert "lead_source_id" not in plain  # not a default field (keap-facts §3.1)
    full = keap.get(f"{V1}/contacts/{cid}", params={"optional_properties": "lead_source_id"})
    assert str(full.json()["lead_source_id"]) == sid

    assert keap.delete(f"{V2}/leadSources/{sid}").status_code == 204
    assert keap.get(f"{V2}/leadSources/{sid}").status_code == 404


def test_unknown_lead_source(keap: KeapSession) -> None:
    r = keap.get(f"{V2}/leadSources/{UNKNOWN_ID}")
    assert r.status_code == 404
    assert {"code", "message", "status"} <= set(r.json())
