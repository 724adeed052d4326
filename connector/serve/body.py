"""Reading a lead from a request body: JSON, or a form as a web page or LeadConduit posts it.

A lead is a flat mapping of field name to a text, number, boolean or null value, the shape
``Connector.deliver`` takes and the batch readers produce. Anything else is a 400 that names
the field; what the values *mean* (an e-mail that is not one, a lead without e-mail or phone)
is the connector's judgement and comes back as the delivery's outcome, as for a batch.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.datastructures import MultiDict

#: A lead is a few hundred bytes; this bounds what one request can make the server hold.
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 200
JSON_TYPES = ("application/json",)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

Scalar = str | int | float | bool | None


class BodyError(ValueError):
    """The body is not a lead; ``field`` names the offending field when there is one."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def lead_from_json(raw: bytes) -> dict[str, Scalar]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BodyError("the body is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise BodyError(f"the body is not valid JSON ({exc.msg} at position {exc.pos})") from None
    if not isinstance(data, dict):
        raise BodyError(f"the body must be a JSON object of lead fields, not {_kind(data)}")
    return _checked(data.items())


def lead_from_form(form: MultiDict[str, str]) -> dict[str, Scalar]:
    pairs: list[tuple[str, Scalar]] = []
    for name in form:
        values = form.getlist(name)
        if len(set(values)) > 1:
            raise BodyError(f"field {name!r} is given {len(values)} times", field=name)
        pairs.append((name, values[0]))
    return _checked(pairs)


def _checked(items: Any) -> dict[str, Scalar]:
    lead: dict[str, Scalar] = {}
    for name, value in items:
        if not name.strip():
            raise BodyError("a field has an empty name", field=name)
        if isinstance(value, dict | list):
            raise BodyError(
                f"field {name!r} is {_kind(value)}; a lead's fields hold single values",
                field=name,
            )
        lead[name] = value
        if len(lead) > MAX_FIELDS:
            raise BodyError(f"a lead has at most {MAX_FIELDS} fields")
    if not lead:
        raise BodyError("the body holds no lead fields")
    return lead


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__ if value is not None else "null"
