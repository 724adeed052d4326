"""Files, account, links and the other CRM-4 resources under the rest of keapsim: snapshots
(file bytes as base64), tenant reset, the journal, fault rules and throttling."""

from __future__ import annotations

import json

from keapsim.config import Limits, Window
from keapsim.simulator import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant

from .helpers import V2, email_contact


def _populate(api: V2, tenant: Tenant) -> dict[str, str]:
    contact = api.post("/contacts", 201, json=email_contact("ada@example.com"))["id"]
    other = api.post("/contacts", 201, json=email_contact("bob@example.com"))["id"]
    stored = api.post(
        "/files",
        201,
        files={"file": ("a.bin", b"\x00\xffbytes")},
        data={"file_name": "a.bin", "file_association": "CONTACT", "contact_id": contact},
    )["id"]
    link_type = api.post("/contacts/links/types", 201, json={"name": "Spouse"})["id"]
    api.post(
        "/contacts:link",
        201,
        json={"contact1_id": contact, "contact2_id": other, "link_type_id": link_type},
    )
    api.patch("/businessProfile", json={"name": "Acme"})
    tenant.user_groups.create("Accounting")
    tenant.credit_cards.create(int(contact), "4111111111111111", "1", "2030")
    return {"file": stored, "contact": contact}


def test_a_snapshot_keeps_files_links_profile_groups_and_cards(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    ids = _populate(api, tenant)
    document = dump_state(sim)
    text = json.dumps(document)
    assert "AP9ieXRlcw==" in text  # the file's bytes, base64
    fresh = Simulator(default_tenant=False, throttle=False)
    load_state(fresh, parse_document(text))
    restored = fresh.tenant()
    assert restored.files.get(int(ids["file"])).data == b"\x00\xffbytes"
    assert len(restored.contact_links) == 1 and len(restored.credit_cards) == 1
    assert restored.account.profile().name == "Acme"
    assert [g.name for g in restored.user_groups.values()] == ["Accounting"]
    with fresh.client() as client:
        again = V2(client)
        assert again.get(f"/files/{ids['file']}:data") == "AP9ieXRlcw=="
        assert len(again.get(f"/contacts/{ids['contact']}/links")["links"]) == 1


def test_a_tenant_reset_forgets_them(api: V2, sim: Simulator, tenant: Tenant) -> None:
    _populate(api, tenant)
    sim.reset(tenant.id)
    for store in ("files", "contact_links", "contact_link_types", "credit_cards", "user_groups"):
        assert tenant.store(store) == {}, store
    assert api.get("/businessProfile")["name"] == tenant.name
    assert api.get("/files") == {"files": []}


def test_the_journal_records_the_new_routes(api: V2, sim: Simulator) -> None:
    created = api.post("/contacts/links/types", 201, json={"name": "Spouse"})
    entry = sim.journal.last()
    assert (entry.method, entry.path, entry.status) == (
        "POST",
        "/crm/rest/v2/contacts/links/types",
        201,
    )
    assert json.loads(entry.response_body) == created
    api.get("/locales/countries/US")
    assert sim.journal.last().path == "/crm/rest/v2/locales/countries/US"


def test_a_fault_rule_answers_instead_and_changes_nothing(
    api: V2, sim: Simulator, tenant: Tenant
) -> None:
    sim.faults.add(method="POST", path="/crm/rest/v2/files", canned="bad_request", times=1)
    parts = {"file_name": "a.txt", "file_association": "USER"}
    response = api.raw("POST", "/files", files={"file": ("a.txt", b"x")}, data=parts)
    assert response.status_code == 400
    assert tenant.files == {}
    api.post("/files", 201, files={"file": ("a.txt", b"x")}, data=parts)


def test_the_new_routes_are_throttled() -> None:
    sim = Simulator(throttle=False)
    creds = sim.create_tenant(throttle=True, limits=Limits(api_key=Window(per_minute=2)))
    with sim.client(creds) as client:
        statuses = [
            client.get(path).status_code
            for path in ("/v2/files", "/v1/account/profile", "/v2/businessProfile")
        ]
    assert statuses == [200, 200, 429]
