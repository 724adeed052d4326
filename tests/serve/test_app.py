"""The serve app in-process on an in-process simulator: requests, answers, log and metrics."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
from support.serve_helpers import AUTH, TOKEN, Served


def _metric(served: Served, name: str, **labels: str) -> float:
    value = served.state.metrics.registry.get_sample_value(name, labels or None)
    assert value is not None, name
    return value


def _log_outcomes(served: Served) -> Counter[str]:
    return Counter(entry.outcome for entry in served.log.entries())


def test_a_lead_gets_leadconduits_four_fields(serve_app: Any, sim: Any, tenant: Any) -> None:
    served = serve_app()
    first = served.post({"email": "ada@example.com", "first_name": "Ada"})
    assert first.status_code == 200
    assert first.json == {
        "outcome": "success",
        "reason": None,
        "contact_id": first.json["contact_id"],
        "duplicate": False,
    }
    again = served.post({"email": "ada@example.com", "first_name": "Ada L."})
    assert again.json["duplicate"] is True
    assert again.json["contact_id"] == first.json["contact_id"]
    contact = sim.tenant(tenant.tenant_id).contacts.get(int(first.json["contact_id"]))
    assert contact.given_name == "Ada L."


def test_form_encoded_leads_as_a_web_form_posts_them(serve_app: Any) -> None:
    served = serve_app()
    response = served.client.post(
        "/leads", data={"email": "grace@example.com", "first_name": "Grace"}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.json["outcome"] == "success"


@pytest.mark.parametrize(
    ("lead", "outcome", "reason"),
    [
        ({"email": "not-an-email"}, "failure", "email is not a valid email address"),
        ({"first_name": "Nobody"}, "skip", None),
    ],
)
def test_bad_values_are_outcomes_not_http_errors(
    serve_app: Any, lead: dict[str, str], outcome: str, reason: str | None
) -> None:
    response = serve_app().post(lead)
    assert response.status_code == 200  # LeadConduit reads the outcome from a 200
    assert response.json["outcome"] == outcome
    if reason is not None:
        assert response.json["reason"] == reason
    else:
        assert response.json["reason"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field", "says"),
    [
        (b'{"email": "a@example.com", "tags": [1, 2]}', "application/json", 400, "tags", "list"),
        (b'{"address": {"city": "Phoenix"}}', "application/json", 400, "address", "object"),
        (b'{"email": ', "application/json", 400, None, "not valid JSON"),
        (b'["a@example.com"]', "application/json", 400, None, "JSON object"),
        (b"{}", "application/json", 400, None, "no lead fields"),
        (b"\xff\xfe", "application/json", 400, None, "UTF-8"),
        (
            b"email=a@example.com&email=b@example.com",
            "application/x-www-form-urlencoded",
            400,
            "email",
            "2 times",
        ),
        (b"email=a@example.com", "text/plain", 415, None, "Content-Type text/plain"),
    ],
)
def test_bodies_that_are_not_leads_are_refused_naming_the_field(
    serve_app: Any, body: bytes, content_type: str, status: int, field: str | None, says: str
) -> None:
    served = serve_app()
    response = served.client.post(
        "/leads", data=body, headers={**AUTH, "Content-Type": content_type}
    )
    assert response.status_code == status, response.json
    assert says in response.json["error"]
    assert response.json.get("field") == field
    assert served.log.count() == 0  # nothing was delivered, nothing logged


def test_an_oversized_body_is_413(serve_app: Any) -> None:
    served = serve_app()
    big = {"email": "a@example.com", "comments": "x" * 70_000}
    response = served.post(big)
    assert response.status_code == 413
    assert "larger than" in response.json["error"]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong-token-0123456789", f"Basic {TOKEN}", "Bearer ", TOKEN],
)
def test_callers_need_the_bearer_token(serve_app: Any, header: str | None) -> None:
    served = serve_app()
    headers = {"Authorization": header} if header is not None else {}
    response = served.client.post("/leads", json={"email": "a@example.com"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert served.log.count() == 0


def test_unknown_paths_and_methods_answer_json(serve_app: Any) -> None:
    served = serve_app()
    assert served.client.get("/nope").status_code == 404
    wrong = served.client.get("/leads", headers=AUTH)
    assert wrong.status_code == 405
    assert "POST" in wrong.headers["Allow"]
    assert "error" in wrong.json


def test_healthz_and_draining(serve_app: Any) -> None:
    served = serve_app()
    assert served.client.get("/healthz").json == {"status": "ok", "mode": "sync"}
    served.state.draining = True
    assert served.client.get("/healthz").status_code == 503
    refused = served.post({"email": "late@example.com"})
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"


def test_metrics_counters_match_the_delivery_log(serve_app: Any, sim: Any) -> None:
    served = serve_app()
    leads = [
        {"email": "one@example.com"},
        {"email": "one@example.com", "first_name": "Again"},
        {"email": "bad-address"},
        {"first_name": "no contact data"},
        {"email": "two@example.com"},
    ]
    # Keap fails twice on one lead: the connector retries, the metrics count the retries.
    sim.faults.add(canned="unavailable_503", times=2, body_contains="two@example.com")
    for lead in leads:
        served.post(lead)
    text = served.client.get("/metrics").get_data(as_text=True)
    assert "keap_connector_keap_response_seconds_bucket" in text
    logged = _log_outcomes(served)
    assert logged == {"success": 3, "failure": 1, "skip": 1}
    for outcome in ("success", "failure", "error", "skip"):
        value = _metric(served, "keap_connector_deliveries_total", outcome=outcome)
        assert value == logged[outcome]
    duplicates = sum(1 for entry in served.log.entries() if entry.duplicate)
    assert _metric(served, "keap_connector_duplicates_total") == duplicates == 1
    assert _metric(served, "keap_connector_success_rate_percent") == pytest.approx(75.0)
    assert _metric(served, "keap_connector_duplicate_rate_percent") == pytest.approx(20.0)
    assert _metric(served, "keap_connector_retries_total") == 2
    assert _metric(served, "keap_connector_keap_requests_total", status="503") == 2
    assert _metric(served, "keap_connector_keap_response_seconds_count") == 5


def test_throttled_answers_are_counted(serve_app: Any, sim: Any) -> None:
    served = serve_app()
    sim.faults.add(canned="throttled", times=1)
    assert served.post({"email": "slow@example.com"}).json["outcome"] == "success"
    assert _metric(served, "keap_connector_throttled_responses_total") == 1
    assert _metric(served, "keap_connector_retries_total") == 1


def test_token_refreshes_are_counted(serve_app: Any, sim: Any, tenant: Any, tmp_path: Any) -> None:
    creds = {
        "type": "oauth",
        "client_id": tenant.client_id,
        "client_secret": tenant.client_secret,
        "access_token": tenant.access_token,
        "refresh_token": tenant.refresh_token,
        "token_store": str(tmp_path / "tokens.json"),
    }
    served = serve_app(keap={"credentials": creds})
    assert served.post({"email": "before@example.com"}).json["outcome"] == "success"
    sim.clock.advance(86_400 + 60)  # the access token expires
    assert served.post({"email": "after@example.com"}).json["outcome"] == "success"
    assert _metric(served, "keap_connector_token_refreshes_total") == 1


def _wait_done(served: Served, lead_id: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = served.client.get(f"/leads/{lead_id}", headers=AUTH).json
        if found["status"] == "done":
            return found
        time.sleep(0.01)
    raise AssertionError(f"lead {lead_id} not delivered in {timeout} s")


def test_queue_mode_accepts_then_delivers(serve_app: Any) -> None:
    served = serve_app("queue")
    assert served.workers is not None
    accepted = served.post({"email": "queued@example.com", "first_name": "Q"})
    assert accepted.status_code == 202
    lead_id = accepted.json["id"]
    assert accepted.headers["Location"] == f"/leads/{lead_id}"
    assert served.client.get(f"/leads/{lead_id}", headers=AUTH).json["status"] == "queued"
    assert _metric(served, "keap_connector_queue_depth") == 1
    served.workers.start()
    done = _wait_done(served, lead_id)
    assert done["outcome"] == "success" and done["duplicate"] is False and done["contact_id"]
    assert _metric(served, "keap_connector_queue_depth") == 0
    assert [e.source for e in served.log.entries()] == ["serve-queue"]


def test_queue_lookups(serve_app: Any) -> None:
    served = serve_app("queue")
    assert served.client.get("/leads/nope", headers=AUTH).status_code == 404
    assert served.client.get("/leads/nope").status_code == 401
    assert serve_app().client.get("/leads/x", headers=AUTH).status_code == 404  # sync mode


def test_an_idempotency_key_accepts_a_lead_once(serve_app: Any) -> None:
    served = serve_app("queue")
    key = {"Idempotency-Key": "lc-event-42"}
    first = served.client.post(
        "/leads", json={"email": "once@example.com"}, headers={**AUTH, **key}
    )
    second = served.client.post(
        "/leads", json={"email": "once@example.com"}, headers={**AUTH, **key}
    )
    assert first.status_code == second.status_code == 202
    assert first.json["id"] == second.json["id"]
    assert served.state.queue is not None and served.state.queue.depth() == 1
