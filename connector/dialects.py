"""What differs between Keap's v1 and v2 APIs for the calls a delivery makes.

The delivery (``connector.delivery``) decides *what* to do; a :class:`Dialect` knows *how* one
API version says it: the upsert, applying tags, adding to a sequence, the note and the UTM
record. Each method sends the request(s) and returns Keap's answer in one shape for both
versions, so the delivery has no version branches. Errors are the client's ``KeapError``
subclasses, raised unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from connector.client.auth import json_object
from connector.client.keap import KeapClient, RequestStats
from connector.config import ApiVersion, ConnectorConfig
from connector.mapping import v1_utm_body
from connector.validation import NormalisedLead


@dataclass(frozen=True)
class UpsertAnswer:
    response: httpx.Response
    #: Whether the contact existed before, when the version can tell without the status code.
    existed: bool | None


@dataclass(frozen=True)
class SequenceAnswer:
    response: httpx.Response
    #: Keap's per-contact outcome (SUCCESS, ALREADY_IN_SEQUENCE, ...).
    outcome: str


@dataclass(frozen=True)
class NoteRequest:
    contact_id: str
    title: str
    text: str
    type: str | None
    #: note.user_id or contact.owner_id, whichever the flow sets
    user_id: int | None


class Dialect(Protocol):
    version: ApiVersion

    def upsert(
        self,
        client: KeapClient,
        body: dict[str, Any],
        option: str,
        stats: RequestStats,
        *,
        look_up: Callable[[], bool],
        note_lost: Callable[[], None],
    ) -> UpsertAnswer: ...

    def tag_statuses(
        self, client: KeapClient, contact_id: str, tag_ids: list[int], stats: RequestStats
    ) -> dict[int, str]: ...

    def add_to_sequence(
        self,
        client: KeapClient,
        contact_id: str,
        campaign_id: int,
        sequence_id: int,
        stats: RequestStats,
    ) -> SequenceAnswer: ...

    def add_note(
        self,
        client: KeapClient,
        note: NoteRequest,
        stats: RequestStats,
        recover: Callable[[], Any] | None = None,
    ) -> httpx.Response: ...

    def find_note(self, client: KeapClient, note: NoteRequest, stats: RequestStats) -> str | None:
        """The id of a note on the contact with the same title and text, if there is one."""
        ...

    def utm_body(self, lead: NormalisedLead, config: ConnectorConfig) -> dict[str, str] | None:
        """The body of a separate UTM request, or None when the contact body carries them."""
        ...

    def contact_tag_ids(
        self, client: KeapClient, contact_id: str, stats: RequestStats
    ) -> list[int]: ...

    def confirm_in_sequence(
        self,
        client: KeapClient,
        contact_id: str,
        campaign_id: int,
        sequence_id: int,
        stats: RequestStats,
    ) -> str:
        """Keap's answer to adding the contact to the sequence again (ALREADY_IN_SEQUENCE when
        it is there). Keap has no call that lists a contact's sequences."""
        ...

    def add_utm(
        self, client: KeapClient, contact_id: str, body: dict[str, str], stats: RequestStats
    ) -> httpx.Response: ...


class V1Dialect:
    version = ApiVersion.V1

    def upsert(
        self,
        client: KeapClient,
        body: dict[str, Any],
        option: str,
        stats: RequestStats,
        *,
        look_up: Callable[[], bool],
        note_lost: Callable[[], None],
    ) -> UpsertAnswer:
        # v1 PUT answers 200 for both outcomes (the spec declares only 200), so created vs
        # updated is told by a look-up just before. Chosen over comparing date_created with
        # last_updated, which breaks when both happen within one clock tick. The window
        # between look-up and PUT only affects the ``duplicate`` flag, never which contact
        # is written: the PUT itself de-duplicates.
        existed = look_up()
        response = client.request(
            "PUT",
            "/v1/contacts",
            json={**body, "duplicate_option": option},
            allow=(409,),
            stats=stats,
        )
        return UpsertAnswer(response, existed)

    def tag_statuses(
        self, client: KeapClient, contact_id: str, tag_ids: list[int], stats: RequestStats
    ) -> dict[int, str]:
        # v1 answers 200 even when tags are refused; the per-tag map says which.
        response = client.request(
            "POST", f"/v1/contacts/{contact_id}/tags", json={"tagIds": tag_ids}, stats=stats
        )
        body = json_object(response)
        return {t: str(body.get(str(t), "SUCCESS")) for t in tag_ids}

    def add_to_sequence(
        self,
        client: KeapClient,
        contact_id: str,
        campaign_id: int,
        sequence_id: int,
        stats: RequestStats,
    ) -> SequenceAnswer:
        path = f"/v1/campaigns/{campaign_id}/sequences/{sequence_id}/contacts/{contact_id}"
        return SequenceAnswer(client.request("POST", path, stats=stats), "SUCCESS")

    def find_note(self, client: KeapClient, note: NoteRequest, stats: RequestStats) -> str | None:
        response = client.request(
            "GET",
            "/v1/notes",
            params={"contact_id": note.contact_id, "limit": 1000},
            stats=stats,
        )
        notes = json_object(response).get("notes") or []
        return _same_note(notes, note, text_key="body")

    def add_note(
        self,
        client: KeapClient,
        note: NoteRequest,
        stats: RequestStats,
        recover: Callable[[], Any] | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "contact_id": int(note.contact_id or 0),
            "title": note.title,
            "body": note.text,
        }
        if note.type:
            body["type"] = note.type
        if note.user_id is not None:
            body["user_id"] = note.user_id
        return client.request("POST", "/v1/notes", json=body, stats=stats, recover=recover)

    def utm_body(self, lead: NormalisedLead, config: ConnectorConfig) -> dict[str, str] | None:
        return v1_utm_body(lead, config)

    def add_utm(
        self, client: KeapClient, contact_id: str, body: dict[str, str], stats: RequestStats
    ) -> httpx.Response:
        return client.request("POST", f"/v1/contacts/{contact_id}/utm", json=body, stats=stats)

    def contact_tag_ids(
        self, client: KeapClient, contact_id: str, stats: RequestStats
    ) -> list[int]:
        body = client.request("GET", f"/v1/contacts/{contact_id}/tags", stats=stats).json()
        tags = [item.get("tag") or {} for item in body.get("tags") or []]
        return sorted(int(t["id"]) for t in tags if t.get("id") is not None)

    def confirm_in_sequence(
        self,
        client: KeapClient,
        contact_id: str,
        campaign_id: int,
        sequence_id: int,
        stats: RequestStats,
    ) -> str:
        # The bulk add answers a result per contact; the single add only 204.
        path = f"/v1/campaigns/{campaign_id}/sequences/{sequence_id}/contacts"
        body = json_object(
            client.request("POST", path, json={"ids": [int(contact_id)]}, stats=stats)
        )
        return str(body.get(str(contact_id), "UNKNOWN"))


class V2Dialect:
    version = ApiVersion.V2

    def upsert(
        self,
        client: KeapClient,
        body: dict[str, Any],
        option: str,
        stats: RequestStats,
        *,
        look_up: Callable[[], bool],
        note_lost: Callable[[], None],
    ) -> UpsertAnswer:
        # One race-free call: Keap answers 201 for created and 200 for updated. It is safe to
        # repeat after a lost response (it matches the contact the lost call made); the
        # recover hook only notes that the 200 may then be for our own contact.
        response = client.request(
            "POST",
            "/v2/contacts",
            params={"duplicate_option": option},
            json=body,
            allow=(409,),
            stats=stats,
            recover=note_lost,
        )
        return UpsertAnswer(response, None)

    def tag_statuses(
        self, client: KeapClient, contact_id: str, tag_ids: list[int], stats: RequestStats
    ) -> dict[int, str]:
        # v2 has no "tags for one contact" call: one applyTags per tag, 404 for unknown tags.
        statuses: dict[int, str] = {}
        for tag_id in tag_ids:
            response = client.request(
                "POST",
                f"/v2/tags/{tag_id}/contacts:applyTags",
                json={"contact_ids": [contact_id]},
                allow=(400, 404),
                stats=stats,
            )
            if response.status_code in (400, 404):
                statuses[tag_id] = "TAG_ID_NOT_FOUND"
                continue
            results = json_object(response).get("results") or {}
            statuses[tag_id] = str(results.get(str(contact_id), "SUCCESS"))
        return statuses

    def add_to_sequence(
        self,
        client: KeapClient,
        contact_id: str,
        campaign_id: int,
        sequence_id: int,
        stats: RequestStats,
    ) -> SequenceAnswer:
        response = client.request(
            "POST",
            f"/v2/campaigns/{campaign_id}/sequences/{sequence_id}:addContacts",
            json={"contact_ids": [contact_id]},
            stats=stats,
        )
        results = json_object(response).get("add_to_sequence_results") or {}
        return SequenceAnswer(response, str(results.get(str(contact_id), "SUCCESS")))

    def find_note(self, client: KeapClient, note: NoteRequest, stats: RequestStats) -> str | None:
        response = client.request(
            "GET",
            f"/v2/contacts/{note.contact_id}/notes",
            params={"page_size": 1000},
            stats=stats,
        )
        notes = json_object(response).get("notes") or []
        return _same_note(notes, note, text_key="text")

    def add_note(
        self,
        client: KeapClient,
        note: NoteRequest,
        stats: RequestStats,
        recover: Callable[[], Any] | None = None,
    ) -> httpx.Response:
        user_id: int | str | None = note.user_id
        if user_id is None:  # v2 requires a user on notes: the token's own user then
            user_id = client.current_user_id(stats=stats)
        body: dict[str, Any] = {"title": note.title, "text": note.text}
        if user_id is not None:
            body["user_id"] = str(user_id)
        if note.type:
            body["type"] = note.type
        return client.request(
            "POST",
            f"/v2/contacts/{note.contact_id}/notes",
            json=body,
            stats=stats,
            recover=recover,
        )

    def utm_body(self, lead: NormalisedLead, config: ConnectorConfig) -> dict[str, str] | None:
        return None  # v2 carries them in the contact body (``utm_parameters``)

    def add_utm(
        self, client: KeapClient, contact_id: str, body: dict[str, str], stats: RequestStats
    ) -> httpx.Response:
        raise NotImplementedError("v2 sends UTM values in the contact body")

    def contact_tag_ids(
        self, client: KeapClient, contact_id: str, stats: RequestStats
    ) -> list[int]:
        body = client.request(
            "GET", f"/v2/contacts/{contact_id}", params={"fields": "tag_ids"}, stats=stats
        ).json()
        return sorted(int(t) for t in body.get("tag_ids") or [])

    def confirm_in_sequence(
        self,
        client: KeapClient,
        contact_id: str,
        campaign_id: int,
        sequence_id: int,
        stats: RequestStats,
    ) -> str:
        return self.add_to_sequence(client, contact_id, campaign_id, sequence_id, stats).outcome


DIALECTS: dict[ApiVersion, Dialect] = {ApiVersion.V1: V1Dialect(), ApiVersion.V2: V2Dialect()}


def dialect_for(version: ApiVersion) -> Dialect:
    return DIALECTS[version]


def _same_note(notes: list[Any], note: NoteRequest, *, text_key: str) -> str | None:
    for item in notes:
        if not isinstance(item, dict):
            continue
        if item.get("title") == note.title and (item.get(text_key) or "") == (note.text or ""):
            return str(item.get("id"))
    return None
