"""v2 tags, tag categories and tag links (keap-facts.md §4.2).

``:applyTags`` and ``:removeTags`` are custom methods in the path's last segment; Werkzeug
matches ``<tag_id>/contacts:applyTags`` as it is, so the rules spell them out literally (and
keapsim's OpenAPI description finds them by the same text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...store import Invalid
from ...store.models import Contact
from ...store.records import Tag
from ...wire import jsonify
from ..common import json_body, path_id, tenant
from . import blueprint
from .filters import (
    EQ,
    NONE,
    Clause,
    id_set,
    masked,
    positive_int,
    text_matches,
    timestamp,
    to_millis,
    update_mask,
)
from .listing import filtered_page, on_pairs
from .shapes import (
    string_id,
    string_ids,
    tag_v2,
    tagged_contact_v2,
    text,
)

TAG_ORDERS: dict[str, Callable[[Tag], Any]] = {
    "name": lambda t: t.name.casefold(),
    "create_time": lambda t: t.create_time,
    "update_time": lambda t: t.update_time,
}
_TIME_BOUNDS = ("since_create_time", "until_create_time", "since_update_time", "until_update_time")
TAG_FILTERS = {
    "name": EQ,
    "description": EQ,
    "category_id": EQ,
    "tag_ids": EQ,
    **{name: EQ for name in _TIME_BOUNDS},
}
CONTACT_TAG_FILTERS = {
    **{k: v for k, v in TAG_FILTERS.items() if k != "tag_ids"},
    "since_applied_time": EQ,
    "until_applied_time": EQ,
}
# The orders of a contact's (or a company's) tags, each with the time it was applied.
TAG_LINK_ORDERS: dict[str, Callable[[tuple[Tag, datetime]], Any]] = {
    "name": lambda link: link[0].name.casefold(),
    "create_time": lambda link: link[0].create_time,
    "update_time": lambda link: link[0].update_time,
    "applied_time": lambda link: link[1],
    "category_id": lambda link: link[0].category_id,
}


def _within(clause: Clause, moment: datetime) -> bool:
    bound = timestamp(clause.value, clause.field)
    moment = to_millis(moment)
    return moment >= bound if clause.field.startswith("since_") else moment <= bound


def _tag_test(clause: Clause) -> Callable[[Tag, datetime | None], bool]:
    name, value = clause.field, clause.value
    if name == "name":
        return lambda t, _: text_matches(t.name, value)
    if name == "description":
        return lambda t, _: text_matches(t.description, value)
    if name == "category_id":
        if value == NONE:
            return lambda t, _: t.category_id is None
        category = positive_int(value, name)
        return lambda t, _: t.category_id == category
    if name == "tag_ids":
        wanted = id_set(value, name)
        return lambda t, _: t.id in wanted
    timestamp(value, name)  # a malformed bound is a 400 even when nothing is listed
    if name.endswith("_create_time"):
        return lambda t, _: _within(clause, t.create_time)
    if name.endswith("_update_time"):
        return lambda t, _: _within(clause, t.update_time)
    return lambda _, applied: applied is not None and _within(clause, applied)


def _unlinked_tag_test(clause: Clause) -> Callable[[Tag], bool]:
    """A tag filter on a tag itself (applied to nothing, so no applied time)."""
    check = _tag_test(clause)
    return lambda tag: check(tag, None)


def tag_link_v2(link: tuple[Tag, datetime]) -> dict[str, Any]:
    tag, applied = link
    return {"tag": tag_v2(tag), "applied_time": iso(applied)}


def _category_of(body: dict[str, Any]) -> int | None:
    category = body.get("category")
    if category is None:
        return None
    if not isinstance(category, dict) or category.get("id") is None:
        raise Invalid("category.id is required", field="category")
    return string_id(category["id"], "category.id")


# -- tags -------------------------------------------------------------------------------------
@blueprint.get("/tags")
def list_tags() -> Response:
    body = filtered_page(
        "tags",
        sorted(tenant().tags.list_by(), key=lambda t: t.id),
        tag_v2,
        filters=TAG_FILTERS,
        test=_unlinked_tag_test,
        orders=TAG_ORDERS,
    )
    return jsonify(body)


@blueprint.post("/tags")
def create_tag() -> tuple[Response, int]:
    body = json_body()
    tag = tenant().tags.create(
        text(body, "name") or "", text(body, "description"), _category_of(body)
    )
    return jsonify(tag_v2(tag)), 201


@blueprint.get("/tags/<tag_id>")
def get_tag(tag_id: str) -> Response:
    return jsonify(tag_v2(tenant().tags.get(path_id(tag_id, "Tag"))))


@blueprint.patch("/tags/<tag_id>")
def patch_tag(tag_id: str) -> Response:
    ident = path_id(tag_id, "Tag")
    body = json_body()
    mask = update_mask(("name", "description", "category"))
    changes: dict[str, Any] = {}
    if "name" in body:
        name = text(body, "name")
        if not name:
            raise Invalid("name is required", field="name")
        changes["name"] = name
    if "description" in body:
        changes["description"] = text(body, "description")
    if "category" in body:
        changes["category_id"] = _category_of(body)
    changes = masked(changes, mask, {"category": ("category_id",)})
    return jsonify(tag_v2(tenant().tags.update(ident, **changes)))


@blueprint.delete("/tags/<tag_id>")
def delete_tag(tag_id: str) -> tuple[str, int]:
    tenant().tags.delete(path_id(tag_id, "Tag"))
    return "", 204


# -- links ------------------------------------------------------------------------------------
@blueprint.get("/contacts/<contact_id>/tags")
def list_contact_tags(contact_id: str) -> Response:
    return jsonify(tag_links_page(tenant().tags.of_contact(path_id(contact_id, "Contact"))))


def tag_links_page(links: Iterable[tuple[Tag, datetime]]) -> dict[str, Any]:
    """A page of the tags applied to one contact or company (``(tag, applied time)`` pairs):
    both owners' lists take the same filters and orders."""
    return filtered_page(
        "tags",
        links,
        tag_link_v2,
        filters=CONTACT_TAG_FILTERS,
        test=on_pairs(_tag_test),
        orders=TAG_LINK_ORDERS,
        default_order="applied_time",
    )


TAGGED_FILTERS = {
    "given_name": EQ,
    "family_name": EQ,
    "email": EQ,
    "since_applied_time": EQ,
    "until_applied_time": EQ,
}


def _tagged_test(clause: Clause) -> Callable[[Contact, datetime], bool]:
    name, value = clause.field, clause.value
    if name == "email":
        return lambda c, _: text_matches(c.primary_email, value)
    if name in ("given_name", "family_name"):
        return lambda c, _: text_matches(getattr(c, name), value)
    timestamp(value, name)
    return lambda _, applied: _within(clause, applied)


@blueprint.get("/tags/<tag_id>/contacts")
def list_tagged_contacts(tag_id: str) -> Response:
    orders: dict[str, Callable[[tuple[Contact, datetime]], Any]] = {
        "given_name": lambda link: (link[0].given_name or "").casefold() or None,
        "family_name": lambda link: (link[0].family_name or "").casefold() or None,
        "email": lambda link: (link[0].primary_email or "").casefold() or None,
        "applied_time": lambda link: link[1],
    }
    body = filtered_page(
        "contacts",
        tenant().tags.contacts_with(path_id(tag_id, "Tag")),
        lambda link: tagged_contact_v2(*link),
        filters=TAGGED_FILTERS,
        test=on_pairs(_tagged_test),
        orders=orders,
        default_order="applied_time",
    )
    return jsonify(body)


def _contact_ids() -> list[int]:
    body = json_body()
    if "contact_ids" not in body:
        raise Invalid("contact_ids is required", field="contact_ids")
    return string_ids(body["contact_ids"], "contact_ids")


@blueprint.post("/tags/<tag_id>/contacts:applyTags")
def apply_tag(tag_id: str) -> Response:
    """200 with a status per contact id, failures included. The v2 document does not list the
    status values; keapsim answers with v1's (SUCCESS, DUPLICATE, CONTACT_NOT_FOUND)."""
    ident = path_id(tag_id, "Tag")
    contact_ids = _contact_ids()
    results = tenant().tags.apply_to_contacts(ident, contact_ids)
    return jsonify(results={str(k): v for k, v in results.items()})


@blueprint.post("/tags/<tag_id>/contacts:removeTags")
def remove_tag(tag_id: str) -> tuple[str, int]:
    the_tenant = tenant()
    ident = path_id(tag_id, "Tag")
    contact_ids = _contact_ids()
    the_tenant.tags.get(ident)
    for contact_id in contact_ids:
        the_tenant.tags.unlink(contact_id, ident)
    return "", 204
