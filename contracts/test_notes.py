"""Notes on a contact: create, list by contact, update, delete (v1), and v2's contact notes."""

from __future__ import annotations

from contracts.data import person
from contracts.session import UNKNOWN_ID, V1, V2, KeapSession


def _contact(keap: KeapSession) -> int:
    r = keap.post(f"{V1}/contacts", json=person())
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_note_lifecycle(keap: KeapSession) -> None:
    cid = _contact(keap)
    created = keap.post(
        f"{V1}/notes",
        json={
            "contact_id": cid,
            "title": "Lead received",
            "body": "From LeadConduit",
            "type": "Other",
        },
    )
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["contact_id"] == cid
    nid = note["id"]

    listed = keap.get(f"{V1}/notes", params={"contact_id": cid})
    assert listed.status_code == 200
    assert [n["id"] for n in listed.json()["notes"]] == [nid]

    patched = keap.patch(f"{V1}/notes/{nid}", json={"title": "Lead qualified"})
    assert patched.status_code == 200
    assert patched.json()["title"] != note["title"]

    assert keap.delete(f"{V1}/notes/{nid}").status_code == 204
    assert keap.get(f"{V1}/notes/{nid}").status_code == 404


def test_note_for_unknown_contact(keap: KeapSession) -> None:
    r = keap.post(f"{V1}/notes", json={"contact_id": UNKNOWN_ID, "title": "x", "body": "y"})
    # neither the v1 document nor any quoted exchange says which; both carry {"message"}
    assert r.status_code in (400, 404)
    assert "message" in r.json()


def test_v2_contact_notes(keap: KeapSession) -> None:
    cid = str(_contact(keap))
    users = keap.get(f"{V2}/users")
    assert users.status_code == 200
    user_id = users.json()["users"][0]["id"]
    created = keap.post(
        f"{V2}/contacts/{cid}/notes", json={"user_id": user_id, "title": "Lead", "text": "Note"}
    )
    assert created.status_code == 201, created.text
    listed = keap.get(f"{V2}/contacts/{cid}/notes")
    assert listed.status_code == 200
    assert created.json()["id"] in [n["id"] for n in listed.json()["notes"]]
