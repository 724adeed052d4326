"""v2 users: list and get, and the OAuth userinfo endpoint (keap-facts.md §4.5, §2.1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...store.records import User
from ...wire import jsonify
from ..common import BadInput, as_bool, compact, path_id, query_int, tenant
from . import blueprint
from .filters import EQ, Clause, id_set, text_matches
from .listing import filtered_page
from .shapes import user_v2

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
    body = filtered_page(
        "users",
        _matching_users,
        user_v2,
        filters=USER_FILTERS,
        orders=USER_ORDERS,
        page_size=USERS_PAGE_MAX,
    )
    return jsonify(body)


def _matching_users(clauses: list[Clause]) -> list[User]:
    """The users the clauses keep: ``include_inactive`` / ``include_partners`` are switches
    (the last one given counts), the other clauses tests."""
    # Like v1's query parameters, both default to true (the v2 document gives no default).
    include = {"include_inactive": True, "include_partners": True}
    tests = []
    for clause in clauses:
        if clause.field in include:
            include[clause.field] = as_bool(clause.value, clause.field)
        else:
            tests.append(_user_test(clause))
    return [
        u
        for u in sorted(tenant().users.list(), key=lambda u: u.id)
        if (include["include_inactive"] or u.status != "Inactive")
        and (include["include_partners"] or not u.partner)
        and all(test(u) for test in tests)
    ]


@blueprint.get("/users/<user_id>")
def get_user(user_id: str) -> Response:
    return jsonify(user_v2(tenant().users.get(path_id(user_id, "User"))))


@blueprint.get("/oauth/connect/userinfo")
def userinfo() -> Response:
    """The calling user, as the document's ``GetUserInfoResponse`` (keap-facts.md §2.1).

    keapsim does not model per-user Personal Access Tokens: every credential (Service Account
    Key, OAuth token) acts as the account owner, so the owner answers. Per the document, ``id``
    is "the global user identifier" (not the CRM user id that v2 notes take as ``user_id``).
    keapsim's choices where the document gives only a description: ``sub`` is the global user id
    as a string, as keapsim's v1 userinfo; ``keap_id`` is the login email (the document's
    example is an address, like v1's ``infusionsoft_id``); ``tenant_id`` is keapsim's tenant id.
    The store keeps no middle or preferred name, so those are left out, as in v1.
    """
    account = tenant()
    user = account.users.account_owner()
    return jsonify(
        compact(
            {
                "email": user.email_address,
                "sub": str(user.global_user_id),
                "id": str(user.global_user_id),
                "keap_id": user.email_address,
                "family_name": user.family_name,
                "given_name": user.given_name,
                "is_admin": user.admin,
                "tenant_id": account.id,
            }
        )
    )
