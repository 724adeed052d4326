"""v1 users and the OAuth ``userinfo`` endpoint (keap-facts.md §2.1, §3.5)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from ...context import request
from ...wire import jsonify
from ..common import as_bool, as_str, compact, json_body, tenant
from ..paging import v1_window
from . import blueprint
from .shapes import user_v1


def _flag(name: str) -> bool:
    """``include_inactive`` / ``include_partners``: both default to true in the document."""
    value = request.args.get(name)
    return True if value in (None, "") else as_bool(value, name)


@blueprint.get("/users")
def list_users() -> Response:
    include_inactive, include_partners = _flag("include_inactive"), _flag("include_partners")
    users = [
        u
        for u in tenant().users.list()
        if (include_inactive or u.status != "Inactive") and (include_partners or not u.partner)
    ]
    page, meta = v1_window(users)
    return jsonify(users=[user_v1(u) for u in page], **meta)


@blueprint.post("/users")
def create_user() -> tuple[Response, int]:
    """The user is invited and stays Invited (the document's description)."""
    body = json_body()
    email = as_str(body.get("email"), "email")
    given_name = as_str(body.get("given_name"), "given_name")
    admin = as_bool(body.get("admin", False), "admin")
    partner = as_bool(body.get("partner", False), "partner")
    user = tenant().users.create(
        email or "", given_name or "", admin=admin, partner=partner, status="Invited"
    )
    return jsonify(user_v1(user)), 201


@blueprint.get("/oauth/connect/userinfo")
def userinfo() -> Response:
    """The calling user, as ``UserInfoDTO``. keapsim does not model per-user Personal Access
    Tokens: every key or token acts as the account owner (``Tenant.account_owner``). ``sub`` is
    the global user id as a string (keapsim's choice)."""
    user = tenant().users.account_owner()
    return jsonify(
        compact(
            {
                "email": user.email_address,
                "family_name": user.family_name or "",
                "given_name": user.given_name,
                "global_user_id": user.global_user_id,
                "infusionsoft_id": user.email_address,
                "is_admin": user.admin,
                "sub": str(user.global_user_id),
            }
        )
    )
