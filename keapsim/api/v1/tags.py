"""v1 tags, tag categories and contact↔tag links (keap-facts.md §3.2).

Applying tags answers HTTP 200 with a status per id even when some ids fail (SUCCESS, DUPLICATE,
CONTACT_NOT_FOUND, TAG_ID_NOT_FOUND); an id in the *path* that does not exist is a 404.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from ...context import request
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, as_int, as_str, id_list, json_body, path_id, tenant
from ..paging import v1_window
from . import blueprint, no_content
from .shapes import (
    applied_tag_v1,
    status_map,
    tag_v1,
    tagged_contact_v1,
)


def query_ids(name: str = "ids") -> list[int]:
    """Required ids from the query: ``?ids=1,2,3`` or ``?ids=1&ids=2``."""
    ids = [i for value in request.args.getlist(name) for i in id_list(value, name)]
    if not ids:
        raise BadInput(UNCONVERTIBLE, field=name)
    return ids


def body_ids(key: str) -> list[int]:
    """A required JSON list of integer ids under ``key``."""
    values = json_body().get(key)
    if not isinstance(values, list):
        raise BadInput(UNCONVERTIBLE, field=key)
    return [as_int(v, key) for v in values]


# -- a contact's tags --------------------------------------------------------------------------
@blueprint.get("/contacts/<contact_id>/tags")
def list_contact_tags(contact_id: str) -> Response:
    the_tenant = tenant()
    links = the_tenant.tags.of_contact(path_id(contact_id, "Contact"))
    page, meta = v1_window(links)
    return jsonify(tags=[applied_tag_v1(t, at, the_tenant) for t, at in page], **meta)


@blueprint.post("/contacts/<contact_id>/tags")
def apply_tags_to_contact(contact_id: str) -> Response:
    # A missing contact is reported per tag (CONTACT_NOT_FOUND) with HTTP 200, as the status
    # enum in the document allows; so is an unknown tag (TAG_ID_NOT_FOUND).
    ident = path_id(contact_id, "Contact")
    tag_ids = body_ids("tagIds")
    return jsonify(status_map(tenant().tags.apply(ident, tag_ids)))


@blueprint.delete("/contacts/<contact_id>/tags")
def remove_tags_from_contact(contact_id: str) -> Response:
    ident = path_id(contact_id, "Contact")
    tenant().tags.remove(ident, query_ids())
    return no_content()


@blueprint.delete("/contacts/<contact_id>/tags/<tag_id>")
def remove_tag_from_contact(contact_id: str, tag_id: str) -> Response:
    the_tenant = tenant()
    ident = path_id(contact_id, "Contact")
    tag = path_id(tag_id, "Tag")
    the_tenant.tags.get(tag)  # an unknown tag is a 404; a tag that is not applied is a no-op
    the_tenant.tags.remove(ident, [tag])
    return no_content()


# -- tags --------------------------------------------------------------------------------------
@blueprint.get("/tags")
def list_tags() -> Response:
    the_tenant = tenant()
    category = request.args.get("category")
    category_id = as_int(category, "category") if category else None
    # ``name`` matches the whole name, ignoring case (Keap does not document the match rule).
    name = request.args.get("name")
    tags = [
        t
        for t in the_tenant.tags.list_by(category_id=category_id)
        if name is None or t.name.casefold() == name.casefold()
    ]
    page, meta = v1_window(tags)
    return jsonify(tags=[tag_v1(t, the_tenant) for t in page], **meta)


@blueprint.post("/tags")
def create_tag() -> Response:
    """The document declares 200 (not 201) for this create; keapsim follows it."""
    body = json_body()
    name = as_str(body.get("name"), "name")
    description = as_str(body.get("description"), "description")
    category = body.get("category")
    category_id = None
    if category is not None:
        if not isinstance(category, dict):
            raise BadInput(UNCONVERTIBLE, field="category")
        category_id = as_int(category.get("id"), "category.id")
    the_tenant = tenant()
    tag = the_tenant.tags.create(name or "", description, category_id)
    return jsonify(tag_v1(tag, the_tenant))


@blueprint.get("/tags/<tag_id>")
def get_tag(tag_id: str) -> Response:
    the_tenant = tenant()
    return jsonify(tag_v1(the_tenant.tags.get(path_id(tag_id, "Tag")), the_tenant))


# -- a tag's contacts --------------------------------------------------------------------------
@blueprint.get("/tags/<tag_id>/contacts")
def list_tagged_contacts(tag_id: str) -> Response:
    links = tenant().tags.contacts_with(path_id(tag_id, "Tag"))
    page, meta = v1_window(links)
    return jsonify(contacts=[tagged_contact_v1(c, at) for c, at in page], **meta)


@blueprint.post("/tags/<tag_id>/contacts")
def apply_tag_to_contacts(tag_id: str) -> Response:
    ident = path_id(tag_id, "Tag")
    contact_ids = body_ids("ids")
    return jsonify(status_map(tenant().tags.apply_to_contacts(ident, contact_ids)))


@blueprint.delete("/tags/<tag_id>/contacts")
def remove_tag_from_contacts(tag_id: str) -> Response:
    ident = path_id(tag_id, "Tag")
    tenant().tags.remove_from_contacts(ident, query_ids())
    return no_content()


@blueprint.delete("/tags/<tag_id>/contacts/<contact_id>")
def remove_tag_from_one_contact(tag_id: str, contact_id: str) -> Response:
    the_tenant = tenant()
    tag = path_id(tag_id, "Tag")
    ident = path_id(contact_id, "Contact")
    the_tenant.contacts.get(ident)  # an unknown contact is a 404
    the_tenant.tags.remove_from_contacts(tag, [ident])
    return no_content()
