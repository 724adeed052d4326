"""The :class:`Dialect` protocol and the answers every version's dialect returns alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from connector.client.keap import KeapClient, RequestStats
from connector.config import ApiVersion, ConnectorConfig
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


def same_note(notes: list[Any], note: NoteRequest, *, text_key: str) -> str | None:
    for item in notes:
        if not isinstance(item, dict):
            continue
        if item.get("title") == note.title and (item.get(text_key) or "") == (note.text or ""):
            return str(item.get("id"))
    return None
