"""Webforms (v2 ``/webforms``: list and HTML). The API creates none: they come from seed data
and scenario files. keapsim renders a form's HTML from its record (its name and fields)."""

from __future__ import annotations

import hashlib
from dataclasses import field
from datetime import datetime
from html import escape
from typing import Any

from ..datarecord import record_class
from .errors import Invalid
from .resource import DeclaredStore, Field, ResourceSpec

# Enums of the v2 document's Webform schema.
WEBFORM_TYPES = (
    "LEGACY",
    "STANDALONE",
    "FUNNEL",
    "LANDING_PAGE",
    "SURVEY",
    "INTERNAL",
    "TWITTER",
    "UNKNOWN",
)
DUPLICATE_CHECKS = ("EMAIL", "EMAIL_AND_NAME", "EMAIL_AND_NAME_AND_COMPANY", "NO_CHECK")
# The host of webform URLs: Keap's is per account and not published; keapsim's is its own.
FORM_HOST = "https://keapsim.invalid/app/form/"
# Contact fields a form may ask for: input name → label.
FORM_FIELDS = {
    "given_name": "First Name",
    "family_name": "Last Name",
    "email": "Email",
    "phone": "Phone",
    "company_name": "Company",
}


@record_class
class Webform:
    id: int
    name: str
    xid: str = ""
    webform_type: str = "STANDALONE"
    funnel_id: int | None = None
    custom_slug: str | None = None
    thank_you_page_url: str | None = None
    duplicate_check_option: str = "EMAIL"
    exit_option: str = "HOSTED"
    fields: list[str] = field(default_factory=lambda: ["given_name", "family_name", "email"])
    create_time: datetime | None = None
    update_time: datetime | None = None

    @property
    def webform_url(self) -> str:
        return FORM_HOST + self.xid

    @property
    def pretty_webform_url(self) -> str | None:
        return FORM_HOST + self.custom_slug if self.custom_slug else None


WEBFORM = ResourceSpec(
    record=Webform,
    kind="Webform",
    id_kind="webform",
    # No source names a hook event for webforms; the noun is keapsim's own.
    noun="webform",
    fields=(
        Field("name", required=True, max_length=255),
        Field("xid"),
        Field("webform_type", default="STANDALONE", choices=WEBFORM_TYPES),
        Field("funnel_id", int),
        Field("custom_slug"),
        Field("thank_you_page_url"),
        Field("duplicate_check_option", default="EMAIL", choices=DUPLICATE_CHECKS),
        Field("exit_option", default="HOSTED"),
        Field("fields", list, factory=lambda: ["given_name", "family_name", "email"]),
    ),
    created="create_time",
    updated="update_time",
)


class WebformStore(DeclaredStore[Webform]):
    spec = WEBFORM

    def normalise(
        self, values: dict[str, Any], current: Webform | None, now: datetime
    ) -> dict[str, Any]:
        """A new form gets its public id (``xid``), derived from the tenant and a counter so
        that seeded forms are the same on every run."""
        unknown = set(values.get("fields") or ()) - set(FORM_FIELDS)
        if unknown:
            raise Invalid(f"Unknown form field(s): {', '.join(sorted(unknown))}", field="fields")
        if current is not None or values.get("xid"):
            return values
        serial = self.core.next_id("webform_xid")
        digest = hashlib.sha256(f"{self.tenant.id}:{serial}".encode()).hexdigest()[:32]
        return {**values, "xid": digest}

    def html(self, ident: int) -> str:
        """The form's HTML: a page with a form posting to the form's URL."""
        form = self.get(ident)
        inputs = "\n".join(_input(name) for name in form.fields if name in FORM_FIELDS)
        title = escape(form.name)
        return (
            "<!DOCTYPE html>\n"
            f'<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
            f"<body>\n<h1>{title}</h1>\n"
            f'<form method="POST" action="{escape(form.webform_url)}" '
            f'data-webform-id="{form.id}" data-webform-xid="{escape(form.xid)}">\n'
            f"{inputs}\n"
            '<button type="submit">Submit</button>\n</form>\n</body></html>\n'
        )


def _input(name: str) -> str:
    kind = "email" if name == "email" else "tel" if name == "phone" else "text"
    return (
        f'<label for="{name}">{escape(FORM_FIELDS[name])}</label>'
        f'<input id="{name}" name="{name}" type="{kind}"'
        f"{' required' if name == 'email' else ''}>"
    )
