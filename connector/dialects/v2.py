"""How Keap's v2 API says each step of a delivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from connector.client.auth import json_object
from connector.client.keap import KeapClient, RequestStats
from connector.config import ApiVersion, ConnectorConfig
from connector.dialects.protocol import NoteRequest, SequenceAnswer, UpsertAnswer, same_note
from connector.validation import NormalisedLead


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
        return same_note(notes, note, text_key="text")

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
