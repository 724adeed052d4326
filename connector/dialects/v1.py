"""How Keap's v1 API says each step of a delivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from connector.client.auth import json_object
from connector.client.keap import KeapClient, RequestStats
from connector.config import ApiVersion, ConnectorConfig
from connector.dialects.protocol import NoteRequest, SequenceAnswer, UpsertAnswer, same_note
from connector.mapping import v1_utm_body
from connector.validation import NormalisedLead


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
        return same_note(notes, note, text_key="body")

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
