"""v2 reports (saved searches over the contact store) and webforms (list, HTML): status,
shape (validated against swagger.yml) and what they read from the tenant's state."""

from __future__ import annotations

from datetime import timedelta

from keapsim.simulator import Simulator
from keapsim.specs.validate import check_response
from keapsim.store import Tenant

from .helpers import V2, email_contact


def contact(api: V2, email: str, given: str, family: str) -> str:
    body = email_contact(email, given_name=given, family_name=family)
    return api.post("/contacts", 201, json=body)["id"]


def test_list_and_get_reports(api: V2, sim: Simulator, tenant: Tenant) -> None:
    everyone = tenant.reports.create(name="All contacts")
    sim.clock.advance(60)
    tenant.reports.create(name="Monthly Sales", user_ids=["1"])
    body = api.get("/reporting/reports")
    assert [r["name"] for r in body["reports"]] == ["All contacts", "Monthly Sales"]
    one = api.get(f"/reporting/reports/{everyone.id}")
    assert one == body["reports"][0]
    assert one["user_ids"] == ["ALL_USERS"] and one["created_time"] == one["updated_time"]
    named = api.get("/reporting/reports", params={"filter": "name==monthly*"})
    assert [r["name"] for r in named["reports"]] == ["Monthly Sales"]
    since = api.get(
        "/reporting/reports",
        params={"filter": f"since_created_time=={body['reports'][1]['created_time']}"},
    )
    assert [r["name"] for r in since["reports"]] == ["Monthly Sales"]
    until = api.get(
        "/reporting/reports", params={"filter": f"until_created_time=={one['created_time']}"}
    )
    assert [r["name"] for r in until["reports"]] == ["All contacts"]
    newest = api.get("/reporting/reports", params={"order_by": "created_time desc"})
    assert newest["reports"][0]["name"] == "Monthly Sales"
    api.error("GET", "/reporting/reports", 400, params={"filter": "owner==1"})
    api.error("GET", "/reporting/reports/999", 404)


def test_report_model(api: V2, tenant: Tenant) -> None:
    report = tenant.reports.create(name="All contacts")
    fields = api.get(f"/reporting/reports/{report.id}/model")["fields"]
    assert fields[0] == {"name": "Id", "label": "ID"}
    assert {"Email", "FirstName", "LastName", "Groups", "DateCreated"} <= {
        f["name"] for f in fields
    }
    api.error("GET", "/reporting/reports/999/model", 404)


def test_run_a_contacts_report_returns_the_stores_rows(api: V2, tenant: Tenant) -> None:
    report = tenant.reports.create(name="All contacts")
    ada = contact(api, "ada@example.com", "Ada", "Lovelace")
    bob = contact(api, "bob@example.com", "Bob", "Babbage")
    path = f"/reporting/reports/{report.id}:run"
    body = api.post(path)
    assert body == {
        "results": [
            {
                "columns": [
                    {"field_name": "Id", "value": ada},
                    {"field_name": "FirstName", "value": "Ada"},
                    {"field_name": "LastName", "value": "Lovelace"},
                    {"field_name": "Email", "value": "ada@example.com"},
                ]
            },
            {
                "columns": [
                    {"field_name": "Id", "value": bob},
                    {"field_name": "FirstName", "value": "Bob"},
                    {"field_name": "LastName", "value": "Babbage"},
                    {"field_name": "Email", "value": "bob@example.com"},
                ]
            },
        ]
    }
    chosen = api.post(path, params={"fields": "Email,LastName", "order_by": "LastName asc"})
    assert [[c["value"] for c in r["columns"]] for r in chosen["results"]] == [
        ["bob@example.com", "Babbage"],
        ["ada@example.com", "Lovelace"],
    ]
    first = api.post(path, params={"page_size": 1, "fields": "Id"})
    assert [r["columns"][0]["value"] for r in first["results"]] == [ada]
    second = api.post(
        path, params={"page_size": 1, "fields": "Id", "page_token": first["page_token"]}
    )
    assert [r["columns"][0]["value"] for r in second["results"]] == [bob]
    assert "page_token" not in second
    # A change in the store shows in the next run.
    api.patch(f"/contacts/{ada}", json={"given_name": "Augusta"})
    rerun = api.post(path, params={"fields": "FirstName"})
    assert rerun["results"][0]["columns"] == [{"field_name": "FirstName", "value": "Augusta"}]
    api.error("POST", path, 400, params={"fields": "Shoe size"})
    api.error("POST", path, 400, params={"order_by": "Shoe"})
    api.error("POST", "/reporting/reports/999:run", 404)


def test_a_report_with_a_tag_reads_the_tagged_contacts(api: V2, tenant: Tenant) -> None:
    vip = tenant.tags.create("VIP")
    report = tenant.reports.create(name="VIPs", tag_id=vip.id)
    ada = contact(api, "ada@example.com", "Ada", "Lovelace")
    contact(api, "bob@example.com", "Bob", "Babbage")
    tenant.tags.apply(int(ada), [vip.id])
    body = api.post(f"/reporting/reports/{report.id}:run", params={"fields": "Id,Groups"})
    assert body["results"] == [
        {
            "columns": [
                {"field_name": "Id", "value": ada},
                {"field_name": "Groups", "value": str(vip.id)},
            ]
        }
    ]


def test_list_webforms(api: V2, sim: Simulator, tenant: Tenant) -> None:
    signup = tenant.webforms.create(name="Newsletter Signup", custom_slug="newsletter")
    sim.clock.advance(timedelta(hours=1).total_seconds())
    tenant.webforms.create(name="Contact Us", webform_type="LEGACY")
    body = api.get("/webforms")
    assert [f["name"] for f in body["webforms"]] == ["Newsletter Signup", "Contact Us"]
    first = body["webforms"][0]
    assert first["id"] == str(signup.id) and first["xid"] == signup.xid
    assert first["webform_url"].endswith(signup.xid)
    assert first["pretty_webform_url"].endswith("/newsletter")
    legacy = api.get("/webforms", params={"filter": "webform_type==legacy"})
    assert [f["name"] for f in legacy["webforms"]] == ["Contact Us"]
    named = api.get("/webforms", params={"filter": "name==news*"})
    assert [f["name"] for f in named["webforms"]] == ["Newsletter Signup"]
    later = api.get(
        "/webforms", params={"filter": f"since_create_time=={body['webforms'][1]['create_time']}"}
    )
    assert [f["name"] for f in later["webforms"]] == ["Contact Us"]
    by_name = api.get("/webforms", params={"order_by": "name"})
    assert [f["name"] for f in by_name["webforms"]] == ["Contact Us", "Newsletter Signup"]
    api.error("GET", "/webforms", 400, params={"filter": "webform_type==paper"})


def test_webform_html(api: V2, tenant: Tenant) -> None:
    form = tenant.webforms.create(name="Contact <Us>", fields=["given_name", "email", "phone"])
    response = api.raw("GET", f"/webforms/{form.id}:data")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert (
        check_response(
            "v2", "GET", "/rest/v2/webforms/{webform_id}:data", 200, html, media_type="text/html"
        )
        == []
    )
    assert "<title>Contact &lt;Us&gt;</title>" in html
    assert 'name="given_name"' in html and 'name="email"' in html and 'name="phone"' in html
    assert 'name="family_name"' not in html and form.xid in html
    api.error("GET", "/webforms/999:data", 404)
