"""Every resource the store holds delivers its hooks through the store's generic change events:
companies, opportunities (with Keap's ``opportunity.stage_move``), notes and tags, whichever API
version made the change."""

from __future__ import annotations

from api_v1.helpers import V1
from api_v2.helpers import V2
from support.hook_helpers import contact_body, subscribe

from keapsim.hooks import HookReceiver
from keapsim.simulator import Simulator


def test_company_add_edit_delete_are_delivered(
    fast_sim: Simulator, fast_v1: V1, fast_v2: V2, receiver: HookReceiver
) -> None:
    for key in ("company.add", "company.edit", "company.delete"):
        subscribe(fast_v1, key, receiver.url)
    company_id = int(fast_v2.post("/companies", 201, json={"company_name": "Acme Ltd"})["id"])
    fast_v2.patch(f"/companies/{company_id}", json={"company_name": "Acme Group"})
    fast_v2.delete(f"/companies/{company_id}")
    assert fast_sim.hooks.flush() == 3
    add = receiver.deliveries("company.add")[0].json()
    assert add["object_type"] == "company"
    [object_key] = add["object_keys"]
    assert object_key["id"] == company_id
    assert object_key["apiUrl"] == f"{fast_sim.base_url}/crm/rest/v1/companies/{company_id}"
    assert receiver.object_ids("company.edit") == [company_id]
    assert receiver.object_ids("company.delete") == [company_id]


def test_opportunity_stage_move_is_delivered_besides_its_edit(
    fast_sim: Simulator, fast_v1: V1, fast_v2: V2, receiver: HookReceiver
) -> None:
    for key in ("opportunity.add", "opportunity.edit", "opportunity.stage_move"):
        subscribe(fast_v1, key, receiver.url)
    stages = [
        fast_v2.post(
            "/opportunities/stages",
            201,
            json={"name": name, "order": order, "probability": 10, "target_number_days": 1},
        )
        for order, name in enumerate(("New", "Won"), start=1)
    ]
    contact_id = fast_v2.post("/contacts", 201, json=contact_body("ada@example.com"))["id"]
    created = fast_v2.post(
        "/opportunities",
        201,
        json={
            "opportunity_title": "Big deal",
            "contact_id": contact_id,
            "stage_id": stages[0]["id"],
        },
    )
    opportunity_id = int(created["id"])
    fast_v2.patch(f"/opportunities/{opportunity_id}", json={"stage_id": stages[1]["id"]})
    fast_v2.patch(f"/opportunities/{opportunity_id}", json={"opportunity_title": "Bigger deal"})
    fast_sim.hooks.flush()
    assert receiver.object_ids("opportunity.add") == [opportunity_id]
    # The move is one edit and one stage move; the title change an edit only.
    assert receiver.object_ids("opportunity.edit") == [opportunity_id, opportunity_id]
    assert receiver.object_ids("opportunity.stage_move") == [opportunity_id]
    move = receiver.deliveries("opportunity.stage_move")[0].json()
    assert move["object_type"] == "opportunity"
    assert move["object_keys"][0]["apiUrl"].endswith(f"/crm/rest/v1/opportunities/{opportunity_id}")


def test_notes_and_tags_are_delivered(
    fast_sim: Simulator, fast_v1: V1, receiver: HookReceiver
) -> None:
    for key in ("note.add", "contactGroup.add", "contactGroup.applied"):
        subscribe(fast_v1, key, receiver.url)
    contact = fast_v1.contact("ada@example.com")
    note = fast_v1.post("/notes", 201, json={"contact_id": contact["id"], "title": "Call back"})
    tag = fast_v1.tag("VIP")
    fast_v1.post(f"/contacts/{contact['id']}/tags", json={"tagIds": [tag["id"]]})
    fast_sim.hooks.flush()
    assert receiver.object_ids("note.add") == [note["id"]]
    assert receiver.object_ids("contactGroup.add") == [tag["id"]]
    applied = receiver.deliveries("contactGroup.applied")[0].json()
    # keapsim's choice (Keap does not say which object it sends): the tag that was applied.
    assert applied["object_type"] == "contactGroup"
    assert applied["object_keys"][0]["id"] == tag["id"]
