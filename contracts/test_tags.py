"""Tags: create, apply (with refused ids), list, remove; v1 and v2."""

from __future__ import annotations

from contracts.data import person, unique_name
from contracts.session import UNKNOWN_ID, V1, V2, KeapSession


def _contact(keap: KeapSession) -> int:
    r = keap.post(f"{V1}/contacts", json=person())
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _tag(keap: KeapSession) -> dict:
    cat = keap.post(f"{V1}/tags/categories", json={"name": unique_name("Contract category")})
    assert cat.status_code in (200, 201), cat.text
    r = keap.post(
        f"{V1}/tags",
        json={"name": unique_name("Contract tag"), "category": {"id": cat.json()["id"]}},
    )
    assert r.status_code in (200, 201), r.text
    tag = r.json()
    assert {"id", "name"} <= set(tag)
    return tag


def test_create_apply_list_remove(keap: KeapSession) -> None:
    cid = _contact(keap)
    tag = _tag(keap)
    tid = tag["id"]

    fetched = keap.get(f"{V1}/tags/{tid}")
    assert fetched.status_code == 200 and fetched.json()["id"] == tid

    applied = keap.post(f"{V1}/contacts/{cid}/tags", json={"tagIds": [tid, UNKNOWN_ID]})
    assert applied.status_code == 200  # 200 even when some ids are refused
    assert applied.json() == {str(tid): "SUCCESS", str(UNKNOWN_ID): "TAG_ID_NOT_FOUND"}

    again = keap.post(f"{V1}/contacts/{cid}/tags", json={"tagIds": [tid]})
    assert again.json() == {str(tid): "DUPLICATE"}

    listed = keap.get(f"{V1}/contacts/{cid}/tags")
    assert listed.status_code == 200
    assert [t["tag"]["id"] for t in listed.json()["tags"]] == [tid]

    tagged = keap.get(f"{V1}/tags/{tid}/contacts")
    assert [c["contact"]["id"] for c in tagged.json()["contacts"]] == [cid]

    removed = keap.delete(f"{V1}/contacts/{cid}/tags/{tid}")
    assert removed.status_code == 204
    assert keap.get(f"{V1}/contacts/{cid}/tags").json()["tags"] == []


def test_apply_to_unknown_contact(keap: KeapSession) -> None:
    tid = _tag(keap)["id"]
    r = keap.post(f"{V1}/tags/{tid}/contacts", json={"ids": [UNKNOWN_ID]})
    assert r.status_code == 200
    assert r.json() == {str(UNKNOWN_ID): "CONTACT_NOT_FOUND"}


def test_bulk_remove_by_ids(keap: KeapSession) -> None:
    cid = _contact(keap)
    t1, t2 = _tag(keap)["id"], _tag(keap)["id"]
    keap.post(f"{V1}/contacts/{cid}/tags", json={"tagIds": [t1, t2]})
    r = keap.delete(f"{V1}/contacts/{cid}/tags", params={"ids": f"{t1},{t2}"})
    assert r.status_code == 204
    assert keap.get(f"{V1}/contacts/{cid}/tags").json()["tags"] == []


def test_list_tags_by_name(keap: KeapSession) -> None:
    tag = _tag(keap)
    r = keap.get(f"{V1}/tags", params={"name": tag["name"]})
    assert r.status_code == 200
    assert [t["id"] for t in r.json()["tags"]] == [tag["id"]]


def test_v2_apply_and_remove(keap: KeapSession) -> None:
    cid = str(_contact(keap))
    tid = str(_tag(keap)["id"])
    r = keap.post(
        f"{V2}/tags/{tid}/contacts:applyTags", json={"contact_ids": [cid, str(UNKNOWN_ID)]}
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert set(results) == {cid, str(UNKNOWN_ID)}
    listed = keap.get(f"{V2}/contacts/{cid}/tags")
    assert listed.status_code == 200
    assert [t["tag"]["id"] for t in listed.json()["tags"]] == [tid]
    removed = keap.post(f"{V2}/tags/{tid}/contacts:removeTags", json={"contact_ids": [cid]})
    assert removed.status_code == 204
