"""The wire shapes of email records, templates and address statuses, declared once for both
versions (``keapsim/api/crud.py``): v1 ``EmailSentCreate`` / ``EmailSentQueryResult(WithContent)``,
v2 ``CreateEmailSentRequest`` / ``EmailSent(WithContent)``, ``EmailTemplate(Summary)``,
``NoteTemplate``. The routes are hand-written (``api/v1/emails.py``, ``api/v2/emails.py``):
Keap's email operations are not plain CRUD.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..store.email_templates import EMAIL_TEMPLATE_SPEC, NOTE_TEMPLATE_SPEC
from ..store.emails import EMAIL_SPEC, PROVIDERS, EmailRecord
from ..store.errors import DomainError, Invalid
from .common import UNCONVERTIBLE, BadInput, as_datetime
from .crud import ApiResource, WireField

CONTENT = ("plain_content", "html_content")  # only in the "WithContent" shapes


def addresses_in(value: Any, wire: str) -> list[str]:
    """v2 sends CC/BCC as a list of addresses."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(UNCONVERTIBLE, field=wire)
    return [v.strip() for v in value if v.strip()]


def address_text_in(value: Any, wire: str) -> list[str]:
    """v1 sends CC/BCC as one string; keapsim splits it at commas."""
    if value is None:
        return []
    if not isinstance(value, str):
        raise BadInput(UNCONVERTIBLE, field=wire)
    return [v.strip() for v in value.split(",") if v.strip()]


def address_text_out(value: list[str]) -> str | None:
    return ", ".join(value) or None


def addresses_out(value: list[str]) -> list[str] | None:
    return list(value) or None


def provider_in(value: Any, wire: str) -> str | None:
    """ "Provider that sent the email case insensitive" (v1 create description)."""
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in PROVIDERS:
        raise BadInput(f"{wire} must be one of {', '.join(PROVIDERS)}", field=wire)
    return value.upper()


EMAILS = ApiResource(
    store="emails",
    spec=EMAIL_SPEC,
    fields=(
        WireField("id", writable=False),
        WireField("subject"),
        WireField("headers"),
        WireField("contact_id"),
        WireField("sent_to_address"),
        WireField(
            "sent_to_cc",
            v1=None,
            v2="sent_to_cc_address_list",
            into=addresses_in,
            out=addresses_out,
        ),
        WireField(
            "sent_to_bcc",
            v1=None,
            v2="sent_to_bcc_address_list",
            into=addresses_in,
            out=addresses_out,
        ),
        WireField(
            "sent_to_cc",
            v1="sent_to_cc_addresses",
            v2=None,
            into=address_text_in,
            out=address_text_out,
        ),
        WireField(
            "sent_to_bcc",
            v1="sent_to_bcc_addresses",
            v2=None,
            into=address_text_in,
            out=address_text_out,
        ),
        WireField("sent_from_address"),
        WireField("sent_from_reply_address"),
        WireField("sent_time", v1="sent_date"),
        WireField("received_time", v1="received_date"),
        WireField("opened_time", v1="opened_date"),
        WireField("clicked_time", v1="clicked_date"),
        WireField("original_provider", into=provider_in),
        WireField("original_provider_id", out=str),
        WireField("provider_source_id", out=str),
        WireField("plain_content"),
        WireField("html_content"),
    ),
)


def email_out(record: Any, version: str, *, content: bool) -> dict[str, Any]:
    from .crud import record_out

    body = record_out(EMAILS, record, "v1" if version == "v1" else "v2")
    if not content:
        for name in CONTENT:
            body.pop(name, None)
    return body


EMAIL_TEMPLATES = ApiResource(
    store="email_templates",
    spec=EMAIL_TEMPLATE_SPEC,
    fields=(
        # EmailTemplate.id is an int64 in the v2 document (not a string as elsewhere).
        WireField("id", v1=None, writable=False, out=int),
        WireField("piece_title", v1=None),
        WireField("categories", v1=None, out=list),
        WireField("from_address", v1=None),
        WireField("to_address", v1=None),
        WireField("cc_address", v1=None),
        WireField("bcc_address", v1=None),
        WireField("subject", v1=None),
        WireField("text_body", v1=None),
        WireField("html_body", v1=None),
        WireField("content_type", v1=None),
        WireField("merge_context", v1=None),
    ),
)
TEMPLATE_BODIES = ("text_body", "html_body")  # not in EmailTemplateSummary (the list item)

NOTE_TEMPLATES = ApiResource(
    store="note_templates",
    spec=NOTE_TEMPLATE_SPEC,
    fields=(
        WireField("id", v1=None, writable=False),
        WireField("title", v1=None),
        WireField("description", v1=None),
        WireField("action_type", v1=None),
        # assignment_user_id is an int64 in NoteTemplate; notify_users a list of strings.
        WireField("assignment_user_id", v1=None, out=int),
        WireField("notify_users", v1=None, out=lambda users: [str(u) for u in users]),
    ),
)


# The request properties of EmailSentCreate (v1) / CreateEmailSentRequest (v2) and their JSON
# types, for echoing a failed batch item back in ``errors[].email``.
_TEXT = (
    "subject",
    "headers",
    "sent_to_address",
    "sent_from_address",
    "sent_from_reply_address",
    "original_provider_id",
    "provider_source_id",
    "plain_content",
    "html_content",
)
_TIMES: dict[str, tuple[str, ...]] = {
    "v1": ("sent_date", "received_date", "opened_date", "clicked_date")
}
_TIMES["v2"] = tuple(name.replace("_date", "_time") for name in _TIMES["v1"])


def echo_request(item: Any, version: str) -> dict[str, Any]:
    """A failed batch item as ``errors[].email`` shows it: the properties of the request that
    fit the document's request schema (keapsim's choice: a value of the wrong type is left
    out), and ``sent_to_address`` (required there) as ``""`` when the request had none."""
    if not isinstance(item, dict):
        item = {}
    texts = _TEXT + (("sent_to_cc_addresses", "sent_to_bcc_addresses") if version == "v1" else ())
    echo = {k: item[k] for k in texts if isinstance(item.get(k), str)}
    for name in _TIMES[version]:
        moment = _date_time(item.get(name), version)
        if moment is not None:
            echo[name] = moment
    provider = item.get("original_provider")
    if isinstance(provider, str) and provider in PROVIDERS:
        echo["original_provider"] = provider
    contact = item.get("contact_id")
    if version == "v1" and isinstance(contact, int) and not isinstance(contact, bool):
        echo["contact_id"] = contact
    if version == "v2" and isinstance(contact, str):
        echo["contact_id"] = contact
    if version == "v2":
        for name in ("sent_to_cc_address_list", "sent_to_bcc_address_list"):
            value = item.get(name)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                echo[name] = value
    echo.setdefault("sent_to_address", "")
    return echo


def _date_time(value: Any, version: str) -> str | None:
    """A request time in the version's own form (v2: RFC 3339 with ``Z``; v1: ``+0000``,
    keap-facts.md §9.1), or ``None`` when it is not a time."""
    from ..clock import iso
    from .v1.shapes import v1_time

    try:
        moment = as_datetime(value, "")
        return v1_time(moment) if version == "v1" else iso(moment)
    except BadInput:
        return None


MAX_BATCH = 1000  # "maximum 1000 per transaction"


def add_email_batch(
    body: dict[str, Any], version: str, create: Callable[[Any], EmailRecord]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """v1 ``emails/sync`` and v2 ``emails:batchAdd``: each item of ``body["emails"]`` is
    created or reported in the errors with its request and the reason; the others are kept
    either way. Returns the created records' bodies and the errors."""
    items = body.get("emails")
    if not isinstance(items, list):
        raise Invalid("emails is required", field="emails")
    if len(items) > MAX_BATCH:
        raise BadInput(f"at most {MAX_BATCH} emails per request", field="emails")
    created, errors = [], []
    for item in items:
        try:
            created.append(email_out(create(item), version, content=True))
        except DomainError as err:
            errors.append({"email": echo_request(item, version), "error_message": err.message})
    return created, errors
