"""v1 email records (``/emails``, ``/contacts/{id}/emails``), sending (``/emails/queue``:
recorded, never sent) and an address's opt-in status (``PUT /emailAddresses/{email}``).
Shapes: ``EmailSentCreate``, ``EmailSentCreateListRequest/Response``,
``EmailSentQueryResultList``, ``EmailSentQueryResultWithContent``, ``SetOfIds``,
``EmailSendRequest``, ``UpdateEmailAddress``, ``RestEmailAddress``."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...context import request
from ...store import Invalid
from ...store.email_statuses import MARKETABLE as MARKETABLE_SET
from ...store.email_statuses import STATUS_LABELS
from ...store.emails import EmailRecord, Outgoing
from ...wire import jsonify
from ..common import (
    UNCONVERTIBLE,
    BadInput,
    as_bool,
    as_int,
    as_str,
    id_list,
    json_body,
    path_id,
    query_int,
    query_time,
    tenant,
)
from ..crud import body_in
from ..email_resources import EMAILS, add_email_batch, email_out
from ..email_sending import attachment_names, record_send
from ..paging import v1_window
from . import blueprint, no_content


def _email_list(contact_id: int | None) -> Response:
    """``email`` (the recipient, case-insensitive), ``since_sent_date``/``until_sent_date``
    ("must be present if untilDate is provided"); ``ordered`` changes nothing (keapsim always
    answers in id order)."""
    address = (request.args.get("email") or "").casefold() or None
    since, until = query_time("since_sent_date"), query_time("until_sent_date")
    if until is not None and since is None:
        raise BadInput("since_sent_date must be present if until_sent_date is provided")
    if request.args.get("ordered"):
        as_bool(request.args["ordered"], "ordered")

    def test(email: EmailRecord) -> bool:
        sent = email.sent_time
        return (
            (contact_id is None or email.contact_id == contact_id)
            and (address is None or email.sent_to_address.casefold() == address)
            and (since is None or (sent is not None and sent >= since))
            and (until is None or (sent is not None and sent <= until))
        )

    page, meta = v1_window(list(tenant().emails.table.scan(test)))
    return jsonify({"emails": [email_out(e, "v1", content=False) for e in page], **meta})


def _create(body: Any, contact_id: int | None = None) -> EmailRecord:
    if not isinstance(body, dict):
        raise BadInput(UNCONVERTIBLE)
    values = body_in(EMAILS, body, "v1")
    if contact_id is not None:
        values["contact_id"] = contact_id
    return tenant().emails.create(**values)


@blueprint.get("/emails")
def list_emails() -> Response:
    return _email_list(query_int("contact_id"))


@blueprint.post("/emails")
def create_email() -> tuple[Response, int]:
    return jsonify(email_out(_create(json_body()), "v1", content=True)), 201


@blueprint.get("/emails/<ident>")
def get_email(ident: str) -> Response:
    email = tenant().emails.get(path_id(ident, "Email"))
    return jsonify(email_out(email, "v1", content=True))


@blueprint.delete("/emails/<ident>")
def delete_email(ident: str) -> Response:
    tenant().emails.delete(path_id(ident, "Email"))
    return no_content()


@blueprint.get("/contacts/<contact_id>/emails")
def list_contact_emails(contact_id: str) -> Response:
    return _email_list(tenant().contacts.get(path_id(contact_id, "Contact")).id)


@blueprint.post("/contacts/<contact_id>/emails")
def create_contact_email(contact_id: str) -> tuple[Response, int]:
    contact = tenant().contacts.get(path_id(contact_id, "Contact"))
    return jsonify(email_out(_create(json_body(), contact.id), "v1", content=True)), 201


@blueprint.post("/emails/sync")
def sync_emails() -> tuple[Response, int]:
    """Each record is created or reported in ``errors`` with its request and the reason;
    the others are kept either way."""
    created, errors = add_email_batch(json_body(), "v1", _create)
    return jsonify({"emails": created, "errors": errors}), 201


@blueprint.post("/emails/unsync")
def unsync_emails() -> Response:
    """``{"<id>": "SUCCESS" | "EMAIL_ID_NOT_FOUND"}`` (the v2 DeleteEmailsResponse values; the
    v1 document gives only a map of strings)."""
    ids = id_list(json_body().get("ids") or [], "ids")
    results = tenant().emails.remove_many(ids)
    return jsonify({str(k): v for k, v in results.items()})


@blueprint.post("/emails/queue")
def queue_email() -> Response:
    """Recorded as sent (``source`` SEND), never sent: 202 with no body."""
    body = json_body()
    for name in ("contacts", "subject", "user_id"):  # required by EmailSendRequest (v1)
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    outgoing = Outgoing(
        contact_ids=id_list(body["contacts"], "contacts"),
        subject=as_str(body["subject"], "subject"),
        user_id=as_int(body["user_id"], "user_id"),
        plain_content=as_str(body.get("plain_content"), "plain_content"),
        html_content=as_str(body.get("html_content"), "html_content"),
        address_field=as_str(body.get("address_field"), "address_field"),
        attachments=attachment_names(body.get("attachments")),
    )
    record_send(outgoing)
    return Response(status=202)


@blueprint.put("/emailAddresses/<path:email>")
def replace_email_address(email: str) -> Response:
    """Opt the address in or out; ``RestEmailAddress`` with v1's status label."""
    body = json_body()
    opted_in, reason = _opt_request(body)
    record = tenant().email_statuses.set_opt_in(email, opted_in, reason)
    return jsonify(
        {
            "email": record.email,
            "opted_in": record.status in MARKETABLE_SET,
            "status": STATUS_LABELS[record.status],
        }
    )


def _opt_request(body: dict[str, Any]) -> tuple[bool, str]:
    """``opted_in`` and ``reason`` are both required (UpdateEmailAddress)."""
    for name in ("opted_in", "reason"):
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    reason = as_str(body["reason"], "reason") or ""
    return as_bool(body["opted_in"], "opted_in"), reason
