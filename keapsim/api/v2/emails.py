"""v2 email records (``/emails``, ``:batchAdd``, ``:batchRemove``), sending (``emails:send``,
``emails/templates:send``: recorded, never sent), email templates (seed data) and the opt-in
status of email addresses (``/emailAddresses``). The store is shared with v1
(``keapsim/api/v1/emails.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Invalid
from ...store.email_statuses import MARKETABLE, STATUS_LABELS, EmailAddressStatus
from ...store.emails import EmailRecord, Outgoing
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, as_bool, as_str, compact, json_body, path_id, tenant
from ..crud import body_in, record_out
from ..email_resources import (
    EMAIL_TEMPLATES,
    EMAILS,
    TEMPLATE_BODIES,
    add_email_batch,
    email_out,
)
from ..email_sending import attachment_names, record_send
from . import blueprint
from .filters import (
    EQ,
    Clause,
    positive_int,
    timestamp,
    to_millis,
)
from .listing import filtered_page
from .shapes import string_id, string_ids, upper_snake

EMAIL_FILTERS = {
    "contact_id": EQ,
    "email": EQ,
    "start_created_time": EQ,
    "end_created_time": EQ,
}
EMAIL_ORDERS: dict[str, Callable[[EmailRecord], Any]] = {
    "id": lambda e: e.id,
    "created_time": lambda e: e.create_time,
}


def _email_test(clause: Clause) -> Callable[[EmailRecord], bool]:
    name, value = clause.field, clause.value
    if name == "contact_id":
        number = positive_int(value, name)
        return lambda e: e.contact_id == number
    if name == "email":
        folded = value.casefold()
        return lambda e: e.sent_to_address.casefold() == folded
    moment = timestamp(value, name)
    if name == "start_created_time":
        return lambda e: to_millis(e.create_time) >= moment
    return lambda e: to_millis(e.create_time) <= moment


def _create(body: Any) -> EmailRecord:
    if not isinstance(body, dict):
        raise BadInput(UNCONVERTIBLE)
    return tenant().emails.create(**body_in(EMAILS, body, "v2"))


@blueprint.get("/emails")
def list_emails() -> Response:
    body = filtered_page(
        "emails",
        tenant().emails.table.scan(),
        lambda e: email_out(e, "v2", content=False),
        filters=EMAIL_FILTERS,
        test=_email_test,
        orders=EMAIL_ORDERS,
    )
    return jsonify(body)


@blueprint.post("/emails")
def create_email() -> tuple[Response, int]:
    return jsonify(email_out(_create(json_body()), "v2", content=True)), 201


@blueprint.get("/emails/<ident>")
def get_email(ident: str) -> Response:
    return jsonify(email_out(tenant().emails.get(path_id(ident, "Email")), "v2", content=True))


@blueprint.delete("/emails/<ident>")
def delete_email(ident: str) -> tuple[str, int]:
    tenant().emails.delete(path_id(ident, "Email"))
    return "", 204


@blueprint.post("/emails:batchAdd")
def batch_add_emails() -> tuple[Response, int]:
    """Each record is created or reported in ``errors`` (EmailSentCreateError); the others are
    kept either way."""
    created, errors = add_email_batch(json_body(), "v2", _create)
    return jsonify(compact({"emails": created, "errors": errors or None})), 201


@blueprint.post("/emails:batchRemove")
def batch_remove_emails() -> Response:
    body = json_body()
    if body.get("email_ids") is None:
        raise Invalid("email_ids is required", field="email_ids")
    ids = string_ids(body["email_ids"], "email_ids")
    results = tenant().emails.remove_many(ids)
    return jsonify({"results": {str(k): v for k, v in results.items()}})


@blueprint.post("/emails:send")
def send_email() -> tuple[str, int]:
    """ "Exactly one of user_id or from_address is required" (EmailSendRequest)."""
    body = json_body()
    for name in ("contacts", "subject"):
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    if (body.get("user_id") is None) == (body.get("from_address") is None):
        raise Invalid("Exactly one of user_id or from_address is required", field="user_id")
    user = body.get("user_id")
    outgoing = Outgoing(
        contact_ids=string_ids(body["contacts"], "contacts"),
        subject=as_str(body["subject"], "subject"),
        user_id=None if user is None else string_id(user, "user_id"),
        from_address=as_str(body.get("from_address"), "from_address"),
        plain_content=as_str(body.get("plain_content"), "plain_content"),
        html_content=as_str(body.get("html_content"), "html_content"),
        address_field=as_str(body.get("address_field"), "address_field"),
        attachments=attachment_names(body.get("attachments")),
    )
    record_send(outgoing)
    return "", 202


# -- templates -------------------------------------------------------------------------------
@blueprint.get("/emails/templates")
def list_email_templates() -> Response:
    """The document names no filter fields ("Search filter to apply to results"): keapsim
    takes ``piece_title==`` (a trailing ``*`` matches a prefix) and ``category==``."""
    body = filtered_page(
        "email_templates",
        tenant().email_templates.list(),
        lambda t: _template_out(t, summary=True),
        filters={"piece_title": EQ, "category": EQ},
        test=_template_test,
        orders={"id": lambda t: t.id},
    )
    return jsonify(body)


def _template_test(clause: Clause) -> Callable[[Any], bool]:
    from .filters import text_matches

    if clause.field == "category":
        return lambda t: clause.value in t.categories
    return lambda t: text_matches(t.piece_title, clause.value)


def _template_out(template: Any, *, summary: bool) -> dict[str, Any]:
    body = record_out(EMAIL_TEMPLATES, template, "v2")
    if summary:
        for name in TEMPLATE_BODIES:
            body.pop(name, None)
    return body


@blueprint.get("/emails/templates/<ident>")
def get_email_template(ident: str) -> Response:
    template = tenant().email_templates.get(path_id(ident, "Email Template"))
    return jsonify(_template_out(template, summary=False))


@blueprint.post("/emails/templates:send")
def send_email_template() -> tuple[str, int]:
    """The template's subject and bodies go to each contact (no merge fields are filled:
    keapsim's choice); recorded with ``source`` TEMPLATE, never sent."""
    body = json_body()
    for name in ("template_id", "contact_ids", "user_id"):
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    ident = string_id(body["template_id"], "template_id")
    template = tenant().email_templates.find(ident)
    if template is None:
        raise Invalid(f"Email template {ident} does not exist", field="template_id")
    outgoing = Outgoing(
        contact_ids=string_ids(body["contact_ids"], "contact_ids"),
        subject=template.subject,
        user_id=string_id(body["user_id"], "user_id"),
        from_address=template.from_address,
        plain_content=_base64(template.text_body),
        html_content=_base64(template.html_body),
        address_field=as_str(body.get("address_field"), "address_field"),
        template_id=template.id,
    )
    record_send(outgoing)
    return "", 202


def _base64(text: str | None) -> str | None:
    """Email records keep content Base64-encoded, as the documents send it."""
    import base64

    return None if text is None else base64.b64encode(text.encode()).decode()


# -- email address status --------------------------------------------------------------------
ADDRESS_ORDERS: dict[str, Callable[[EmailAddressStatus], Any]] = {
    "email": lambda s: s.email,
    "status": lambda s: s.status,
    "create_time": lambda s: s.create_time,
    "last_click_time": lambda s: s.last_click_time,
    "last_open_time": lambda s: s.last_open_time,
    "last_sent_time": lambda s: s.last_sent_time,
}
V2_STATUS = {"DoubleOptin": "DOUBLE_OPT_IN"}  # the rest follow upper_snake (as contacts do)


def v2_status(status: str) -> str:
    return V2_STATUS.get(status, upper_snake(status))


def status_out(record: EmailAddressStatus) -> dict[str, Any]:
    return compact(
        {
            "email": record.email,
            "opted_in": record.status in MARKETABLE,
            "status": v2_status(record.status),
            "create_time": iso(record.create_time),
            "last_click_time": _iso(record.last_click_time),
            "last_open_time": _iso(record.last_open_time),
            "last_sent_time": _iso(record.last_sent_time),
        }
    )


def _iso(moment: Any) -> str | None:
    return None if moment is None else iso(moment)


def _address_test(clause: Clause) -> Callable[[EmailAddressStatus], bool]:
    values = {v.strip() for v in clause.value.split(",") if v.strip()}
    if clause.field == "emails":
        folded = {v.casefold() for v in values}
        return lambda s: s.email in folded
    if clause.field == "statuses":
        known = {v2_status(s): s for s in STATUS_LABELS}
        unknown = values - set(known)
        if unknown:
            raise BadInput(f"Invalid status: {', '.join(sorted(unknown))}", field="filter")
        wanted = {known[v] for v in values}
        return lambda s: s.status in wanted
    opted = as_bool(clause.value, "opted_in")
    return lambda s: (s.status in MARKETABLE) == opted


@blueprint.get("/emailAddresses")
def list_email_addresses() -> Response:
    body = filtered_page(
        "email_addresses",
        tenant().email_statuses.statuses(),
        status_out,
        filters={"emails": EQ, "statuses": EQ, "opted_in": EQ},
        test=_address_test,
        orders=ADDRESS_ORDERS,
        default_order="email",
    )
    return jsonify(body)


@blueprint.get("/emailAddresses/<email>/status")
def get_email_address_status(email: str) -> Response:
    return jsonify(status_out(tenant().email_statuses.status_of(email)))


@blueprint.patch("/emailAddresses/<email>/status")
def update_email_address_status(email: str) -> Response:
    body = json_body()
    for name in ("opted_in", "reason"):  # both required (UpdateEmailAddress)
        if body.get(name) is None:
            raise Invalid(f"{name} is required", field=name)
    opted_in = as_bool(body["opted_in"], "opted_in")
    reason = as_str(body["reason"], "reason") or ""
    return jsonify(status_out(tenant().email_statuses.set_opt_in(email, opted_in, reason)))
