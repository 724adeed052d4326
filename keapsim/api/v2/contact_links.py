"""v2 contact links (``contacts:link``, ``:unlink``, a contact's links), ``contacts:merge`` and
a contact's lead score. Link types are declared (``keapsim/api/resources.py``)."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Tenant
from ...store.contact_links import ContactLink
from ...store.merge import merge_contacts
from ...wire import jsonify
from ..common import BadInput, json_body, path_id, tenant
from . import blueprint
from .filters import requested_fields
from .shapes import CONTACT_FIELDS_V2, contact_v2, string_id


def contact_link_v2(link: ContactLink, the_tenant: Tenant) -> dict[str, Any]:
    link_type = the_tenant.contact_link_types.find(link.link_type_id)
    body = {
        "contact1_id": str(link.contact1_id),
        "contact2_id": str(link.contact2_id),
        "link_type_id": str(link.link_type_id),
    }
    if link_type is not None:
        body["link_type_name"] = link_type.name
    return body


def _link_ids(body: dict[str, Any]) -> tuple[int, int, int]:
    """``LinkContactsRequest``: the document marks nothing required, but a link needs all three."""
    ids = []
    for name in ("contact1_id", "contact2_id", "link_type_id"):
        if body.get(name) in (None, ""):
            raise BadInput(f"{name} is required", field=name)
        ids.append(string_id(body[name], name))
    return ids[0], ids[1], ids[2]


@blueprint.post("/contacts:link")
def link_contacts() -> tuple[Response, int]:
    the_tenant = tenant()
    link = the_tenant.contact_links.link(*_link_ids(json_body()))
    return jsonify(contact_link_v2(link, the_tenant)), 201


@blueprint.post("/contacts:unlink")
def unlink_contacts() -> tuple[str, int]:
    tenant().contact_links.unlink(*_link_ids(json_body()))
    return "", 204


@blueprint.get("/contacts/<contact_id>/links")
def list_contact_links(contact_id: str) -> Response:
    """Every link of the contact, in the order they were made (the document has no paging
    parameters here)."""
    the_tenant = tenant()
    ident = path_id(contact_id, "Contact")
    the_tenant.contacts.get(ident)
    links = the_tenant.contact_links.of_contact(ident)
    return jsonify(links=[contact_link_v2(link, the_tenant) for link in links])


@blueprint.post("/contacts:merge")
def merge_contacts_v2() -> Response:
    """The duplicate is merged into the primary and deleted (rules: ``keapsim.store.merge``)."""
    the_tenant = tenant()
    body = json_body()
    fields = requested_fields(CONTACT_FIELDS_V2)
    for name in ("contact_id", "duplicate_contact_id"):
        if body.get(name) in (None, ""):
            raise BadInput(f"{name} is required", field=name)
    primary = string_id(body["contact_id"], "contact_id")
    duplicate = string_id(body["duplicate_contact_id"], "duplicate_contact_id")
    merged = merge_contacts(the_tenant, primary, duplicate)
    return jsonify(contact_v2(merged, the_tenant, fields))


@blueprint.get("/contacts/<contact_id>/leadScore")
def lead_score(contact_id: str) -> Response:
    """The contact's stored score (v1's ``score_value``; keapsim runs no lead-scoring rules, so
    it is what ``contacts.set_lead_score`` set, "0" otherwise). ``last_updated`` is the
    contact's own last update (the store keeps no separate time for the score)."""
    contact = tenant().contacts.get(path_id(contact_id, "Contact"))
    return jsonify(score=contact.score_value or "0", last_updated=iso(contact.last_updated))
