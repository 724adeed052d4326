"""Reading a contact's id out of Keap's answers: a create's body, or a 409 body of unknown shape."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import httpx

from connector.client.auth import json_object
from connector.client.errors import KeapUnavailable

_ID_KEYS = ("existing_contact_id", "existingContactId", "contact_id", "contactId", "id")
_CONTACT_IN_MESSAGE = re.compile(r"contact\D{0,20}?(\d+)", re.IGNORECASE)
#: How deep a 409 body is searched; Keap's error bodies nest one or two levels at most.
_MAX_DEPTH = 3


def created_contact_id(response: httpx.Response) -> str:
    """The id in a create's or an upsert's answer (an answer without one is Keap's fault)."""
    cid = json_object(response).get("id")
    if cid is None:
        raise KeapUnavailable(f"Keap answered HTTP {response.status_code} without a contact id")
    return str(cid)


def existing_contact_id(body: Any, depth: int = 0) -> str | None:
    """Dig the existing contact's id out of a 409 body of unknown shape."""
    if depth > _MAX_DEPTH or body is None:
        return None
    if isinstance(body, dict):
        return _id_in_object(body, depth)
    if isinstance(body, list):
        return _first_id_in(body, depth)
    return None


def _id_in_object(body: dict[str, Any], depth: int) -> str | None:
    for key in _ID_KEYS:
        value = body.get(key)
        if isinstance(value, int | str) and str(value).isdigit():
            return str(value)
    # v2-style details: [{"domain": "Contact", "resource": "<id>"}]
    for detail in body.get("details") or []:
        if isinstance(detail, dict) and str(detail.get("domain", "")).lower() == "contact":
            resource = str(detail.get("resource", ""))
            if resource.isdigit():
                return resource
    nested = [value for value in body.values() if isinstance(value, dict | list)]
    found = _first_id_in(nested, depth)
    if found:
        return found
    message = body.get("message")
    if isinstance(message, str):
        m = _CONTACT_IN_MESSAGE.search(message)
        if m:
            return m.group(1)
    return None


def _first_id_in(items: Iterable[Any], depth: int) -> str | None:
    for item in items:
        found = existing_contact_id(item, depth + 1)
        if found:
            return found
    return None
