"""A lead's tracking data: UTM values where Keap takes them, else (with the referring URL)
the note.

Keap takes UTM values only with a Keap form id (v2 ``utm_parameters`` on the contact, v1
``POST /contacts/{id}/utm``); the referring URL has no property in either version.
"""

from __future__ import annotations

from connector.config import ApiVersion, ConnectorConfig
from connector.validation import NormalisedLead


def utm_values(lead: NormalisedLead, config: ConnectorConfig) -> dict[str, str] | None:
    """The lead's UTM values, when Keap can take them: both versions require the Keap form id
    (``keap_source_id``) with them."""
    if not lead.utm or not config.utm.keap_source_id:
        return None
    return {"keap_source_id": config.utm.keap_source_id, **lead.utm}


def utm_parameters(lead: NormalisedLead, config: ConnectorConfig) -> dict[str, str] | None:
    """v2: ``utm_parameters`` on the contact body (snake_case, as CreateUpdateContactRequest)."""
    if config.keap.api_version is not ApiVersion.V2:
        return None
    return utm_values(lead, config)


def v1_utm_body(lead: NormalisedLead, config: ConnectorConfig) -> dict[str, str] | None:
    """v1: the body of ``POST /v1/contacts/{id}/utm`` (CreateUtmContact, camelCase keys)."""
    values = utm_values(lead, config) if config.keap.api_version is ApiVersion.V1 else None
    if values is None:
        return None
    return {_camel(key): value for key, value in values.items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def tracking_in_note(lead: NormalisedLead, config: ConnectorConfig) -> bool:
    return config.note.include_tracking and bool(lead.utm) and utm_values(lead, config) is None


def note_text(lead: NormalisedLead, config: ConnectorConfig, body: str | None = None) -> str | None:
    """The note body: the lead's comments, plus tracking data Keap has no property for.

    Keap takes UTM values only with a Keap form id (v2 ``utm_parameters``, v1
    ``POST /contacts/{id}/utm``), so without ``utm.keap_source_id`` they go into the note. The
    referring URL has no place in either version and always goes to the note.
    """
    parts = []
    # ``note.body`` (rendered) replaces the comments; it can include them ({{ lead.comments }}).
    text = body if config.note.body else lead.comments
    if text:
        parts.append(text)
    tracking = []
    if tracking_in_note(lead, config):
        tracking += [f"{k}: {v}" for k, v in lead.utm.items()]
    if config.note.include_tracking and lead.referrer:
        tracking.append(f"referring_url: {lead.referrer}")
    if tracking:
        parts.append("\n".join(tracking))
    return "\n\n".join(parts) or None
