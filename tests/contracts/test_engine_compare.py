"""Transformers, shapes and the exchange comparison."""

from __future__ import annotations

import json

from contracts.cassette import Exchange
from contracts.compare import (
    collapse_id_maps,
    compare_exchange,
    compare_json,
    envelope_of,
    normalise,
    shape_of,
)


def _ex(
    status: int, body: object, headers: dict[str, str] | None = None, ct: str = "application/json"
) -> Exchange:
    h = {"content-type": [ct]}
    h.update({k: [v] for k, v in (headers or {}).items()})
    return Exchange(
        "GET",
        "https://x/crm/rest/v1/contacts",
        status=status,
        response_headers=h,
        response_body=json.dumps(body),
    )


def kinds(drifts: list) -> set[tuple[str, str]]:
    return {(d.kind, d.path) for d in drifts}


def test_shape_paths_and_types() -> None:
    s = shape_of({"a": 1, "b": [{"c": "x"}, {"c": None, "d": True}], "e": []})
    assert s.types["$.a"] == {"integer"}
    assert s.types["$.b[].c"] == {"string", "null"}
    assert s.types["$.b[].d"] == {"boolean"}
    assert s.empty_arrays == {"$.e"}


def test_missing_unexpected_and_type_changes() -> None:
    d = compare_json({"id": 1, "email": "x", "nested": {"a": 1}}, {"id": "1", "mail": "x"})
    assert kinds(d) == {
        ("type_change", "$.id"),
        ("missing_field", "$.email"),
        ("missing_field", "$.nested"),  # children pruned
        ("unexpected_field", "$.mail"),
    }


def test_empty_arrays_do_not_produce_noise_and_null_is_a_warning() -> None:
    d = compare_json({"tags": [], "x": None}, {"tags": [{"id": 1}], "x": "v"})
    assert [(x.kind, x.severity) for x in d] == [("nullability", "warning")]


def test_transformers_normalise_ids_timestamps_tokens_maps_and_order() -> None:
    doc = {
        "id": 12,
        "contact_id": "99",
        "date_created": "2025-11-05T10:00:00.000+0000",
        "access_token": "abc",
        "tags": [3, 1, 2],
        "results": {"1831": "TAG_ID_NOT_FOUND", "7": "SUCCESS"},
    }
    out = normalise(doc)
    assert out["id"] == 0 and out["contact_id"] == "<id>"
    assert out["date_created"] == "<timestamp>"
    assert out["access_token"] == "<token>"
    assert out["tags"] == [1, 2, 3]
    assert out["results"] == {"{id}": ["SUCCESS", "TAG_ID_NOT_FOUND"]}
    assert collapse_id_maps({"5": {"a": 1}}) == {"{id}": [{"a": 1}]}


def test_envelopes() -> None:
    assert envelope_of({"fault": {"faultstring": "x", "detail": {"errorcode": "y"}}}) == "fault"
    assert envelope_of({"error": "invalid_grant", "error_description": "x"}) == "oauth"
    assert envelope_of({"code": "429", "message": "m", "status": "s", "details": None}) == "v2"
    assert envelope_of({"message": "Input could not be converted"}) == "v1"
    assert envelope_of({"id": 1}) is None


def test_exchange_status_content_type_envelope_and_errorcode() -> None:
    rec = _ex(
        401,
        {
            "fault": {
                "faultstring": "Invalid Access Token",
                "detail": {"errorcode": "keymanagement.service.invalid_access_token"},
            }
        },
    )
    same = compare_exchange(rec, 401, {"Content-Type": "application/json"}, rec.response_body)
    assert same == []
    other = {
        "fault": {
            "faultstring": "Invalid access token",
            "detail": {"errorcode": "oauth.v2.InvalidAccessToken"},
        }
    }
    d = compare_exchange(rec, 401, {"content-type": "application/json"}, json.dumps(other))
    assert kinds(d) == {("value_change", "$.fault.detail.errorcode")}
    d = compare_exchange(rec, 403, {"content-type": "text/html"}, "<h1>Developer Over Qps</h1>")
    assert ("status_change", "status") in kinds(d)
    assert ("content_type_change", "content-type") in kinds(d)
    d = compare_exchange(rec, 401, {"content-type": "application/json"}, '{"message":"nope"}')
    assert ("envelope_change", "$") in kinds(d)


def test_charset_is_not_a_content_type_change() -> None:
    rec = _ex(400, {"message": "x"}, ct="application/json;charset=UTF-8")
    assert compare_exchange(rec, 400, {"content-type": "application/json"}, '{"message":"y"}') == []


def test_quota_headers_must_be_present() -> None:
    rec = _ex(200, {"contacts": []}, {"x-keap-product-quota-limit": "150000", "x-request-id": "a"})
    d = compare_exchange(rec, 200, {"content-type": "application/json"}, '{"contacts":[]}')
    assert kinds(d) == {("missing_header", "x-keap-product-quota-limit")}
    d = compare_exchange(
        rec,
        200,
        {"content-type": "application/json", "x-keap-product-quota-limit": "1", "retry-after": "1"},
        '{"contacts":[]}',
    )
    assert [(x.kind, x.path, x.severity) for x in d] == [
        ("unexpected_header", "retry-after", "warning")
    ]


def test_status_map_values_are_compared() -> None:
    rec = _ex(200, {"1831": "TAG_ID_NOT_FOUND"})
    d = compare_exchange(rec, 200, {"content-type": "application/json"}, '{"55": "SUCCESS"}')
    assert kinds(d) == {("value_change", "$.{id}")}
    assert (
        compare_exchange(
            rec, 200, {"content-type": "application/json"}, '{"1831": "TAG_ID_NOT_FOUND"}'
        )
        == []
    )


def test_drift_lines_are_precise() -> None:
    d = compare_json({"email_addresses": [{"email": "x"}]}, {"email_addresses": [{"mail": "x"}]})
    assert {x.line() for x in d} == {
        "missing field $.email_addresses[].email (string)",
        "unexpected field $.email_addresses[].mail (string)",
    }
