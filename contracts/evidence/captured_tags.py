"""Printed v1 tag bodies replayed (keap-python 1.3.0 README): a category's unset description
is null, a tagged contact's unset name is '', ``date_applied`` ends in +0000."""

from __future__ import annotations

from contracts.cassette import Cassette, Exchange
from contracts.evidence.build import api_key_call, evidence_cassette
from contracts.evidence.sources import KEAP_PYTHON, V1, V1SPEC

TAG_DESCRIPTION = "Test adding a tag using the REST TagService"

#: TagService.get_tagged_contacts as the README prints it.
PRINTED_TAGGED_CONTACTS = {
    "contacts": [
        {
            "contact": {
                "id": 1269,
                "email": "johnny@consumer.com",
                "first_name": "Johnny",
                "last_name": "",
            },
            "date_applied": "2022-09-28T17:06:37.000+0000",
        }
    ],
    "count": 1,
    "next": f"{V1}/tags/1302/contacts?limit=1&offset=1000",
    "previous": f"{V1}/tags/1302/contacts?limit=1000&offset=0",
}


def _tag_in_a_category() -> list[Exchange]:
    """A category without a description, then TagService.create's printed answer."""
    return [
        api_key_call(
            "POST",
            f"{V1}/tags/categories",
            200,
            {"id": 1, "name": "Customer Tags"},
            request_body={"name": "Customer Tags"},
            reason="OK",
            source=V1SPEC,
            note="set-up step: a category without a description",
            shape="subset",
        ),
        api_key_call(
            "POST",
            f"{V1}/tags",
            200,
            {
                "id": 1302,
                "name": "Test Tag Name",
                "description": TAG_DESCRIPTION,
                "category": {"id": 1, "name": "Customer Tags", "description": None},
            },
            request_body={
                "name": "Test Tag Name",
                "description": TAG_DESCRIPTION,
                "category": {"id": 1},
            },
            reason="OK",
            source=[KEAP_PYTHON, V1SPEC],
            note="body printed in the keap-python 1.3.0 README (TagService.create)",
        ),
    ]


def _tagged_contact() -> list[Exchange]:
    """A contact without a family name, tagged: TagService.add_contacts's status map."""
    return [
        api_key_call(
            "POST",
            f"{V1}/contacts",
            201,
            {"id": 1269, "given_name": "Johnny"},
            request_body={
                "given_name": "Johnny",
                "email_addresses": [{"email": "johnny@consumer.com", "field": "EMAIL1"}],
            },
            reason="Created",
            source=V1SPEC,
            note="set-up step: a contact without a family name",
            shape="subset",
        ),
        api_key_call(
            "POST",
            f"{V1}/tags/1302/contacts",
            200,
            {"1269": "SUCCESS"},
            request_body={"ids": [1269]},
            reason="OK",
            source=KEAP_PYTHON,
            note="status map printed in the README (TagService.add_contacts)",
        ),
    ]


def v1_tags_captured() -> Cassette:
    return evidence_cassette(
        "v1_tags_captured",
        "Printed v1 tag bodies: a category's unset description is null, a tagged contact's "
        "unset name is '', date_applied ends in +0000.",
        [
            *_tag_in_a_category(),
            *_tagged_contact(),
            api_key_call(
                "GET",
                f"{V1}/tags/1302/contacts",
                200,
                PRINTED_TAGGED_CONTACTS,
                reason="OK",
                source=KEAP_PYTHON,
                note="body printed in the README (TagService.get_tagged_contacts)",
            ),
        ],
    )
