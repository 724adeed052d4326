"""The authorize page and the token endpoint (keap-facts.md §2.1).

Error bodies of ``/token``: the two refresh-token bodies are Keap's own (facts §2.1). Keap's
bodies for a bad client, a bad code, a missing parameter or an unknown grant type are not
documented; keapsim answers those with RFC 6749 §5.2 error codes and statuses.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, redirect, render_template_string, request
from werkzeug.wrappers import Response as BaseResponse

from ..context import current_simulator
from ..store.identity import InvalidGrant, OAuthApp
from ..wire import INVALID_REFRESH_TOKEN, MISSING_REFRESH_TOKEN, json_response

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store.identity import AccessToken, RefreshToken

blueprint = Blueprint("oauth", __name__)

AUTHORIZE_PATH = "/app/oauth/authorize"
TOKEN_PATH = "/token"
AUTO_APPROVE = "keapsim_auto_approve"
# Keap's denial redirect (infusionsoft-php issue #115). Its ``error_uri`` value is not quoted
# in the facts, so keapsim leaves that parameter out.
DENIED_DESCRIPTION = "User denied access to resource"
# MISSING_REFRESH_TOKEN / INVALID_REFRESH_TOKEN (wire.py) are both observed in the wild (facts
# §2.1); keapsim sends the first when the parameter is missing.

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} · keapsim</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}</style></head>
<body>
<h1>{{ title }}</h1>
{% if error %}
<p id="error">{{ error }}</p>
{% else %}
<p><strong>{{ app_name }}</strong> wants full access to the Keap account
<strong>{{ host }}</strong>.</p>
<form method="post" action="{{ action }}">
{% for name, value in fields %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<button type="submit" name="decision" value="approve" id="approve">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>
{% endif %}
</body></html>"""


def _sim() -> Simulator:
    return current_simulator()


def _error_page(message: str, status: int = 400) -> BaseResponse:
    """Problems with the client or the redirect URI are shown to the person, never redirected
    (RFC 6749 §4.1.2.1: the redirect URI cannot be trusted)."""
    html = render_template_string(PAGE, title="Authorization error", error=message)
    return Response(html, status=status, content_type="text/html; charset=utf-8")


def _redirect_with(uri: str, params: dict[str, str]) -> BaseResponse:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return redirect(urlunsplit(parts._replace(query=urlencode(query))), 302)


def _scope(sim: Simulator, tenant_id: str) -> str:
    """Keap's granted scope names the account: ``full|<app>.infusionsoft.com``."""
    return f"full|{sim.tenant_host(tenant_id)}"


def _checked_request(params: dict[str, str]) -> tuple[OAuthApp, str] | BaseResponse:
    """The app and redirect URI of an authorization request, or the error page to show."""
    sim = _sim()
    for required in ("client_id", "redirect_uri"):
        if not params.get(required):
            return _error_page(f"{required} is missing.")
    app = sim.identity.apps.get(params["client_id"])
    if app is None:
        return _error_page("Unknown client_id.")
    if app.tenant_id not in sim.tenants:
        return _error_page("This application's account no longer exists.")
    redirect_uri = params["redirect_uri"]
    if redirect_uri not in app.redirect_uris:
        return _error_page("redirect_uri is not registered for this application.")
    if params.get("response_type") != "code":
        return _error_page("response_type must be code.")
    return app, redirect_uri


def _decide(
    app: OAuthApp, redirect_uri: str, state: str, scope: str, approve: bool
) -> BaseResponse:
    sim = _sim()
    if not approve:
        return _redirect_with(
            redirect_uri,
            {"state": state, "error": "access_denied", "error_description": DENIED_DESCRIPTION},
        )
    if scope not in ("", "full"):
        # "full" is the only scope Keap knows (facts §2.1); its answer to another one is not
        # documented, so keapsim answers as RFC 6749 §4.1.2.1 says.
        return _redirect_with(
            redirect_uri,
            {"state": state, "error": "invalid_scope", "error_description": "scope must be full"},
        )
    ttl = sim.tenants[app.tenant_id].settings.authorization_code_ttl
    code = sim.identity.issue_code(app, redirect_uri, sim.clock.time(), ttl)
    return _redirect_with(
        redirect_uri, {"code": code.code, "scope": _scope(sim, app.tenant_id), "state": state}
    )


@blueprint.get(AUTHORIZE_PATH)
def authorize() -> BaseResponse:
    params = request.args.to_dict()
    checked = _checked_request(params)
    if isinstance(checked, BaseResponse):
        return checked
    app, redirect_uri = checked
    state, scope = params.get("state", ""), params.get("scope", "")
    auto = params.get(AUTO_APPROVE, "").lower()
    if auto in ("1", "true", "yes", "approve"):
        return _decide(app, redirect_uri, state, scope, approve=True)
    if auto == "deny":
        return _decide(app, redirect_uri, state, scope, approve=False)
    fields = [
        (k, params.get(k, ""))
        for k in ("client_id", "redirect_uri", "response_type", "scope", "state")
    ]
    html = render_template_string(
        PAGE,
        title="Authorize application",
        error=None,
        app_name=app.name,
        host=_sim().tenant_host(app.tenant_id),
        action=AUTHORIZE_PATH,
        fields=fields,
    )
    return Response(html, content_type="text/html; charset=utf-8")


@blueprint.post(AUTHORIZE_PATH)
def authorize_decision() -> BaseResponse:
    params = request.form.to_dict()
    checked = _checked_request(params)
    if isinstance(checked, BaseResponse):
        return checked
    app, redirect_uri = checked
    return _decide(
        app,
        redirect_uri,
        params.get("state", ""),
        params.get("scope", ""),
        approve=params.get("decision") == "approve",
    )


# -- /token -------------------------------------------------------------------------------------
def _oauth_error(
    error: str, description: str, status: int = 400, headers: dict[str, str] | None = None
) -> BaseResponse:
    return _no_store(
        json_response({"error": error, "error_description": description}, status, headers)
    )


def _no_store(response: BaseResponse) -> BaseResponse:
    # RFC 6749 §5.1: token responses must not be cached.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _client_credentials() -> tuple[str, str] | None:
    """(client id, secret) from the Authorization header (Basic) or the body."""
    authorization = request.headers.get("Authorization", "")
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() == "basic" and encoded.strip():
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, sep, secret = decoded.partition(":")
        if not sep:
            return None
        # Clients also repeat the id in the body (facts §2.1); a different one is an error.
        body_id = request.form.get("client_id")
        if body_id and body_id != client_id:
            return None
        return client_id, secret
    form_id, form_secret = request.form.get("client_id"), request.form.get("client_secret")
    if form_id and form_secret:
        return form_id, form_secret
    return None


def _token_body(sim: Simulator, access: AccessToken, refresh: RefreshToken) -> BaseResponse:
    body = {
        "access_token": access.token,
        "token_type": "bearer",
        "expires_in": int(access.expires_at - access.issued_at),
        "refresh_token": refresh.token,
        "scope": _scope(sim, access.tenant_id),
    }
    return _no_store(json_response(body, 200))


# Keap documents form encoding only (facts §2.1); Flask reads multipart into the same form.
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@blueprint.post(TOKEN_PATH)
def token() -> BaseResponse:
    sim = _sim()
    if request.get_data(cache=True).strip() and request.mimetype not in FORM_TYPES:
        # Otherwise a JSON body reads as an empty form, and the client would be told its
        # credentials or grant_type are wrong when the encoding is. Keap's body is not known.
        return _oauth_error(
            "invalid_request",
            "The body must be application/x-www-form-urlencoded, not "
            f"{request.mimetype or 'untyped'}",
        )
    credentials = _client_credentials()
    app = sim.identity.authenticate_client(*credentials) if credentials else None
    if app is None or app.tenant_id not in sim.tenants:
        # Keap's body for a bad client is not documented; RFC 6749 §5.2 says invalid_client
        # with 401, and a WWW-Authenticate challenge when the client tried HTTP Basic.
        tried_header = bool(request.headers.get("Authorization"))
        challenge = {"WWW-Authenticate": 'Basic realm="keapsim"'} if tried_header else None
        return _oauth_error("invalid_client", "Invalid client credentials", 401, challenge)
    settings = sim.tenants[app.tenant_id].settings
    now = sim.clock.time()
    grant_type = request.form.get("grant_type", "")
    if grant_type == "authorization_code":
        code = request.form.get("code", "")
        if not code:
            return _oauth_error("invalid_request", "Missing parameter: code")
        try:
            pair = sim.identity.redeem_code(
                code,
                app,
                request.form.get("redirect_uri"),
                now,
                settings.access_token_ttl,
                settings.refresh_token_ttl,
            )
        except InvalidGrant:
            # Keap's wording for a bad code is not documented.
            return _oauth_error("invalid_grant", "Invalid authorization code")
        return _token_body(sim, *pair)
    if grant_type == "refresh_token":
        refresh_token = request.form.get("refresh_token", "")
        if not refresh_token:
            return _no_store(json_response(MISSING_REFRESH_TOKEN, 400))
        try:
            # The access token issued with the old refresh token stays valid until it expires:
            # Keap does not document revoking it.
            pair = sim.identity.rotate_refresh_token(
                refresh_token, app, now, settings.access_token_ttl, settings.refresh_token_ttl
            )
        except InvalidGrant:
            return _no_store(json_response(INVALID_REFRESH_TOKEN, 400))
        return _token_body(sim, *pair)
    if not grant_type:
        return _oauth_error("invalid_request", "Missing parameter: grant_type")
    return _oauth_error(
        "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
    )
