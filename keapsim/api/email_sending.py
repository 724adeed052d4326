"""What v1 ``emails/queue``, v2 ``emails:send`` and v2 ``emails/templates:send`` share: reading
attachments and recording the send (``keapsim.store.emails.send``; nothing leaves keapsim)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..store.emails import (
    ATTACHMENT_EXTENSIONS,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    Outgoing,
    send,
)
from .common import UNCONVERTIBLE, BadInput, tenant


def attachment_names(value: Any) -> tuple[str, ...]:
    """The file names of valid attachments: at most 10, each a Base64 file of at most 1 MB
    with an extension the v2 document lists ("attachment type is invalid" otherwise)."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(a, dict) for a in value):
        raise BadInput(UNCONVERTIBLE, field="attachments")
    if len(value) > MAX_ATTACHMENTS:
        raise BadInput(f"at most {MAX_ATTACHMENTS} attachments", field="attachments")
    return tuple(_attachment(item) for item in value)


def _attachment(item: dict[str, Any]) -> str:
    name, data = item.get("file_name"), item.get("file_data")
    if not isinstance(name, str) or not name or not isinstance(data, str):
        raise BadInput("file_name and file_data are required", field="attachments")
    extension = name.rsplit(".", 1)[-1].casefold() if "." in name else ""
    if extension not in ATTACHMENT_EXTENSIONS:
        raise BadInput("attachment type is invalid", field="attachments")
    try:
        size = len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        raise BadInput(UNCONVERTIBLE, field="attachments") from None
    if size > MAX_ATTACHMENT_BYTES:
        raise BadInput("an attachment may be at most 1MB", field="attachments")
    return name


def record_send(outgoing: Outgoing) -> int:
    """Record the send; the number of emails recorded."""
    the_tenant = tenant()
    if outgoing.user_id is not None:
        the_tenant.users.check_exists(outgoing.user_id, "user_id")
    return len(send(the_tenant.emails, outgoing))
