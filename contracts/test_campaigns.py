"""Campaign sequences: add and remove one contact, and in bulk (v1), and v2's :addContacts."""

from __future__ import annotations

import pytest

from contracts.data import person
from contracts.session import UNKNOWN_ID, V1, V2, KeapSession


def _campaign_and_sequence(keap: KeapSession) -> tuple[int, int]:
    keap.seed_campaign()
    campaigns = keap.get(f"{V1}/campaigns", params={"limit": 50})
    assert campaigns.status_code == 200
    for campaign in campaigns.json()["campaigns"]:
        detail = keap.get(
            f"{V1}/campaigns/{campaign['id']}", params={"optional_properties": "sequences"}
        )
        assert detail.status_code == 200
        sequences = detail.json().get("sequences") or []
        if sequences:
            return campaign["id"], sequences[0]["id"]
    pytest.skip("the tenant has no campaign with a sequence")


def _contact(keap: KeapSession) -> int:
    r = keap.post(f"{V1}/contacts", json=person())
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_add_and_remove_one_contact(keap: KeapSession) -> None:
    campaign, sequence = _campaign_and_sequence(keap)
    cid = _contact(keap)
    path = f"{V1}/campaigns/{campaign}/sequences/{sequence}/contacts/{cid}"
    add_v2 = f"{V2}/campaigns/{campaign}/sequences/{sequence}:addContacts"
    assert keap.post(path).status_code == 204
    # the 204s carry no body; v2's :addContacts reports membership with documented values
    # (keap-facts §4.3), while v1's per-id strings are not documented
    again = keap.post(add_v2, json={"contact_ids": [str(cid)]})
    assert again.json()["add_to_sequence_results"] == {str(cid): "ALREADY_IN_SEQUENCE"}
    assert keap.delete(path).status_code == 204
    after = keap.post(add_v2, json={"contact_ids": [str(cid)]})
    assert after.json()["add_to_sequence_results"] == {str(cid): "SUCCESS"}


def test_bulk_add_with_refused_id(keap: KeapSession) -> None:
    campaign, sequence = _campaign_and_sequence(keap)
    cid = _contact(keap)
    path = f"{V1}/campaigns/{campaign}/sequences/{sequence}/contacts"
    r = keap.post(path, json={"ids": [cid, UNKNOWN_ID]})
    assert r.status_code == 200
    results = r.json()
    assert set(results) == {str(cid), str(UNKNOWN_ID)}
    assert results[str(cid)] == "SUCCESS"
    removed = keap.request("DELETE", path, json={"ids": [cid]})  # DELETE with a JSON body
    assert removed.status_code == 204


def test_v2_add_contacts(keap: KeapSession) -> None:
    campaign, sequence = _campaign_and_sequence(keap)
    cid = str(_contact(keap))
    r = keap.post(
        f"{V2}/campaigns/{campaign}/sequences/{sequence}:addContacts",
        json={"contact_ids": [cid, str(UNKNOWN_ID)]},
    )
    assert r.status_code == 200, r.text
    results = r.json()["add_to_sequence_results"]
    assert results[cid] == "SUCCESS"
    assert results[str(UNKNOWN_ID)] == "CONTACT_DOES_NOT_EXIST"
    again = keap.post(
        f"{V2}/campaigns/{campaign}/sequences/{sequence}:addContacts", json={"contact_ids": [cid]}
    )
    assert again.json()["add_to_sequence_results"][cid] == "ALREADY_IN_SEQUENCE"
    removed = keap.post(
        f"{V2}/campaigns/{campaign}/sequences/{sequence}:removeContacts",
        json={"contact_ids": [cid]},
    )
    assert removed.status_code == 200
    assert removed.json()["remove_from_sequence_results"][cid] == "SUCCESS"
