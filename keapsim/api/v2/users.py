"""v2 users: list and get (keap-facts.md §4.5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify

from ...store.models import User
from ..common import BadInput, as_bool, path_id, query_int, tenant
from ..paging import v2_window
from . import blueprint
from .filters import EQ, Clause, id_set, ordered, parse_filter, text_matches
from .shapes import page_of, user_v2

USER_FILTERS = {
    "email": EQ,
    "given_name": EQ,
    "include_inactive": EQ,
    "include_partners": EQ,
    "user_ids": EQ,
}
USER_ORDERS: dict[str, Callable[[User], Any]] = {
    "create_time": lambda u: u.date_created,
    "email": lambda u: u.email_address.casefold(),
    # "sorts by family name / last name; uses User ID as tiebreaker" (v2 document)
    "name": lambda u: ((u.family_name or "").casefold(), u.id),
}
# The document bounds page_size to 1..100 and gives no default; keapsim uses the maximum.
USERS_PAGE_MAX = 100


def _user_test(clause: Clause) -> Callable[[User], bool]:
    if clause.field == "email":
        return lambda u: text_matches(u.email_address, clause.value)
    if clause.field == "given_name":
        return lambda u: text_matches(u.given_name, clause.value)
    wanted = id_set(clause.value, clause.field)
    return lambda u: u.id in wanted


@blueprint.get("/users")
def list_users() -> Response:
    if query_int("page_size") == 0:
        raise BadInput("page_size must be at least 1", field="page_size")
    clauses = parse_filter(USER_FILTERS)
    # Like v1's query parameters, both default to true (the v2 document gives no default).
    include = {"include_inactive": True, "include_partners": True}
    tests = []
    for clause in clauses:
        if clause.field in include:
            include[clause.field] = as_bool(clause.value, clause.field)
        else:
            tests.append(_user_test(clause))
    users = [
        u
        for u in sorted(tenant().list_users(), key=lambda u: u.id)
        if (include["include_inactive"] or u.status != "Inactive")
        and (include["include_partners"] or not u.partner)
        and all(test(u) for test in tests)
    ]
    page, token = v2_window(
        ordered(users, USER_ORDERS), default_size=USERS_PAGE_MAX, max_size=USERS_PAGE_MAX
    )
    return jsonify(page_of("users", [user_v2(u) for u in page], token))


@blueprint.get("/users/<user_id>")
def get_user(user_id: str) -> Response:
    return jsonify(user_v2(tenant().get_user(path_id(user_id, "User"))))
