"""keapsim.specs.validate: the validator itself, and the list of known spec defects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from keapsim.specs import V1_DOCUMENT, load_v1
from keapsim.specs.validate import (
    KNOWN_SPEC_DEFECTS,
    ResponseMismatch,
    SpecDefect,
    check_response,
    declared_statuses,
    defects_for,
    match_path,
    response_errors,
)


def test_match_path_prefers_literal_segments() -> None:
    assert match_path("v1", "GET", "/v1/contacts/model") == "/v1/contacts/model"
    assert match_path("v1", "GET", "/v1/contacts/12/") == "/v1/contacts/{id}"
    assert match_path("v1", "PATCH", "/v1/contacts/12") == "/v1/contacts/{contactId}"
    assert match_path("v2", "GET", "/rest/v2/contacts/12") == "/rest/v2/contacts/{contact_id}"
    with pytest.raises(KeyError):
        match_path("v1", "GET", "/v1/nothing/here")


def test_reports_every_mismatch_with_its_location() -> None:
    body = {
        "id": "seven",
        "email_addresses": [{"email": "a@example.com", "field": "EMAIL9"}],
        "date_created": "yesterday",
    }
    errors = {
        (e.location, e.keyword)
        for e in response_errors("v1", "GET", "/v1/contacts/{id}", 200, body)
    }
    assert errors == {
        (("id",), "type"),
        (("email_addresses", 0, "field"), "enum"),
        (("date_created",), "format"),
    }


def test_bodies_and_statuses_must_be_declared() -> None:
    assert response_errors("v1", "DELETE", "/v1/contacts/{contactId}", 204, None) == []
    [error] = response_errors("v1", "DELETE", "/v1/contacts/{contactId}", 204, {"x": 1})
    assert error.keyword == "content"
    [error] = response_errors("v1", "DELETE", "/v1/contacts/{contactId}", 200, None)
    assert error.keyword == "status"
    assert "201" in declared_statuses("v1", "POST", "/v1/contacts")


def test_works_on_the_v2_document_with_refs() -> None:
    good = {"id": "1", "email_addresses": [{"email": "a@example.com", "field": "EMAIL1"}]}
    assert response_errors("v2", "GET", "/rest/v2/contacts/{contact_id}", 200, good) == []
    bad = {"id": "1", "email_addresses": [{"email": "a@example.com", "field": "EMAIL9"}]}
    [error] = response_errors("v2", "GET", "/rest/v2/contacts/{contact_id}", 200, bad)
    assert (error.location, error.keyword) == (("email_addresses", 0, "field"), "enum")


def test_check_response_raises_unless_a_defect_explains() -> None:
    path = "/v1/contacts/{contactId}/tags"
    used = check_response("v1", "POST", path, 200, {"12": "SUCCESS"})
    assert used == defects_for("v1", "POST", path)
    with pytest.raises(ResponseMismatch):
        check_response("v1", "POST", path, 200, {"12": "SUCCESS"}, defects=())
    with pytest.raises(ResponseMismatch):
        check_response("v1", "GET", "/v1/contacts/{id}", 200, {"id": "x"})


# What the document requires of a record beside its custom fields (an Opportunity needs its
# contact, title and stage), so that a synthetic body is wrong only where the defect says.
_REQUIRED_BESIDE_CUSTOM_FIELDS = {
    "/v1/opportunities": {"contact": {"id": 1}, "opportunity_title": "t", "stage": {"id": 1}},
}


def _body_at(location: tuple[str, ...], leaf: Any, record: dict[str, Any] | None = None) -> Any:
    """A body that has ``leaf`` at ``location`` (``*`` becomes the first list item); the
    object holding ``custom_fields`` also gets ``record``'s properties."""
    body = leaf
    for step in reversed(location):
        body = [body] if step == "*" else {step: body}
        if step == "custom_fields" and record:
            body = {**record, **body}
    return body


# The defects that name one response and explain any error there. Those kept to some errors by
# a message (captured nulls and dates, often over many responses) are checked against the
# captured bodies themselves: tests/contracts/test_fidelity.py.
SYNTHESISED = [d for d in KNOWN_SPEC_DEFECTS if not d.message]


@pytest.mark.parametrize("defect", SYNTHESISED, ids=lambda d: f"{d.method} {d.path}")
def test_every_known_defect_is_real_in_the_unchanged_document(defect: SpecDefect) -> None:
    """Each listed defect still names a declared response, and the unchanged document really
    rejects the shape Keap sends there; so the list cannot go stale or hide anything else."""
    assert str(defect.status) in declared_statuses(defect.spec, defect.method, defect.path)
    assert defect.fact and defect.source
    leaf: object = {"1831": "TAG_ID_NOT_FOUND"} if defect.location == () else "plain text"
    if defect.keyword == "enum":
        leaf = 30  # an integer against an enum of strings (v2 Task.remind_time_mins)
    record = next(
        (v for k, v in _REQUIRED_BESIDE_CUSTOM_FIELDS.items() if defect.path.startswith(k)), None
    )
    body = _body_at(defect.location, leaf, record)
    errors = response_errors(defect.spec, defect.method, defect.path, defect.status, body)
    assert errors and all(
        defect.explains(defect.spec, defect.method, defect.path, defect.status, e) for e in errors
    )


def test_the_document_is_left_unchanged() -> None:
    check_response("v1", "GET", "/v1/contacts/{id}", 200, {"id": 1})
    assert load_v1() == json.loads(V1_DOCUMENT.read_text())


def _param_enum(path: str, method: str, name: str) -> list[str]:
    [param] = [p for p in load_v1()["paths"][path][method]["parameters"] if p["name"] == name]
    schema = param["schema"]
    # springfox puts an array parameter's enum beside ``items`` rather than inside it.
    return schema.get("enum") or schema["items"]["enum"]


def test_the_adapters_enums_are_the_documents() -> None:
    from keapsim.api.v1 import campaigns, contacts

    assert list(contacts.UPDATE_MASK) == _param_enum(
        "/v1/contacts/{contactId}", "patch", "update_mask"
    )
    assert list(contacts.ORDERS) == _param_enum("/v1/contacts", "get", "order")
    assert set(campaigns.ORDERS) == set(_param_enum("/v1/campaigns", "get", "order"))
