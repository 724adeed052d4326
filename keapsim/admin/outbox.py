"""A tenant's outbox: the emails keapsim "sent" (v2 ``emails:send``,
``emails/templates:send``, v1 ``emails/queue``). Nothing leaves keapsim; a test reads here
what its code sent.

- ``GET /_keapsim/tenants/<id>/outbox``   ``{"emails": [...]}``, oldest first
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify

from ..clock import iso
from ..store.emails import EmailRecord
from . import blueprint
from .tenants import _tenant_or_404

SHOWN = (
    "id",
    "source",
    "template_id",
    "user_id",
    "contact_id",
    "sent_to_address",
    "sent_from_address",
    "subject",
    "plain_content",
    "html_content",
    "attachments",
    "sent_time",
)


def outbox_entry(email: EmailRecord) -> dict[str, Any]:
    """An outbox email by the store's field names (content stays Base64, as it was sent)."""
    entry: dict[str, Any] = {}
    for name in SHOWN:
        value = getattr(email, name)
        entry[name] = iso(value) if isinstance(value, datetime) else value
    return entry


@blueprint.get("/tenants/<tenant_id>/outbox")
def tenant_outbox(tenant_id: str) -> Response:
    tenant = _tenant_or_404(tenant_id)
    if isinstance(tenant, Response):
        return tenant
    return jsonify(emails=[outbox_entry(e) for e in tenant.emails.outbox()])
