"""Admin API: tenants, their credentials and their settings (profile, limits, TTLs).

- ``POST   /_keapsim/tenants``                  create (body: optional settings and credentials)
- ``GET    /_keapsim/tenants``                  list
- ``GET    /_keapsim/tenants/<id>``             one tenant: apps, keys, usage counts
- ``DELETE /_keapsim/tenants/<id>``             delete (its credentials stop working)
- ``POST   /_keapsim/tenants/<id>/reset``       forget its CRM data and counters
- ``GET    /_keapsim/tenants/<id>/settings``    its ``TenantSettings``
- ``PATCH  /_keapsim/tenants/<id>/settings``    change some (nested objects merge)
- ``POST   /_keapsim/tenants/<id>/apps``        add an OAuth app (its own client id and quota)
- ``POST   /_keapsim/tenants/<id>/tokens``      mint a token pair (or a PAT/SAK)
- ``DELETE /_keapsim/tokens/<token>``           revoke an access/refresh token or an API key
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Response, jsonify

from ..config import DEFAULT_REDIRECT_URI, TenantSettings, deep_merge
from ..context import current_simulator
from . import admin_error, blueprint, json_object, validated_body, validation_error

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store import Tenant
    from ..store.identity import OAuthApp


def _sim() -> Simulator:
    return current_simulator()


def _tenant_or_404(tenant_id: str) -> Tenant | Response:
    tenant = _sim().tenants.get(tenant_id)
    if tenant is None:
        return admin_error(f"no tenant {tenant_id!r}", 404)
    return tenant


def app_summary(app: OAuthApp) -> dict[str, Any]:
    return {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "name": app.name,
        "redirect_uris": list(app.redirect_uris),
    }


def tenant_summary(sim: Simulator, tenant: Tenant) -> dict[str, Any]:
    """What the admin API shows of a tenant, secrets included (it is loopback-only or behind
    the admin token)."""
    return {
        "tenant_id": tenant.id,
        "name": tenant.name,
        "host": sim.tenant_host(tenant.id),
        "settings": tenant.settings.model_dump(),
        "apps": [app_summary(a) for a in sim.identity.apps_of(tenant.id)],
        "api_keys": [
            {"key": k.key, "kind": k.kind, "revoked": k.revoked}
            for k in sim.identity.api_keys_of(tenant.id)
        ],
        "contacts": len(tenant.contacts),
        "usage": sim.throttle.usage(tenant.id),
    }


@blueprint.post("/tenants")
def create_tenant() -> Response | tuple[Response, int]:
    from pydantic import ValidationError

    from .bodies import NewTenant

    sim = _sim()
    request_fields = validated_body(NewTenant)
    if isinstance(request_fields, Response):
        return request_fields
    given_settings = request_fields.model_extra or {}
    unknown = set(given_settings) - set(TenantSettings.field_names())
    if unknown:
        return admin_error(
            f"unknown field(s): {', '.join(sorted(unknown))}; settings fields "
            f"are {', '.join(TenantSettings.field_names())}"
        )
    try:
        settings = TenantSettings.model_validate(
            deep_merge(sim.defaults.model_dump(), given_settings)
        )
    except ValidationError as err:
        return validation_error(err)
    try:
        credentials = sim.create_tenant(
            tenant_id=request_fields.tenant_id,
            name=request_fields.name,
            settings=settings,
            api_key=request_fields.api_key,
            client_id=request_fields.client_id,
            client_secret=request_fields.client_secret,
            redirect_uris=request_fields.redirect_uris,
        )
    except ValueError as err:  # a taken tenant id, client id or API key
        return admin_error(str(err), 409)
    return jsonify(credentials.to_dict()), 201


@blueprint.get("/tenants")
def list_tenants() -> Response:
    sim = _sim()
    return jsonify(tenants=[tenant_summary(sim, t) for t in list(sim.tenants.values())])


@blueprint.get("/tenants/<tenant_id>")
def get_tenant(tenant_id: str) -> Response:
    tenant = _tenant_or_404(tenant_id)
    if isinstance(tenant, Response):
        return tenant
    return jsonify(tenant_summary(_sim(), tenant))


@blueprint.delete("/tenants/<tenant_id>")
def delete_tenant(tenant_id: str) -> Response | tuple[str, int]:
    tenant = _tenant_or_404(tenant_id)
    if isinstance(tenant, Response):
        return tenant
    _sim().delete_tenant(tenant_id)
    return "", 204


@blueprint.post("/tenants/<tenant_id>/reset")
def reset_tenant(tenant_id: str) -> Response | tuple[str, int]:
    tenant = _tenant_or_404(tenant_id)
    if isinstance(tenant, Response):
        return tenant
    _sim().reset(tenant_id)
    return "", 204


@blueprint.get("/tenants/<tenant_id>/settings")
def get_settings(tenant_id: str) -> Response:
    tenant = _tenant_or_404(tenant_id)
    if isinstance(tenant, Response):
        return tenant
    return jsonify(tenant.settings.model_dump())


@blueprint.patch("/tenants/<tenant_id>/settings")
def patch_settings(tenant_id: str) -> Response:
    tenant = _tenant_or_404(tenant_id)
    if isinstance(tenant, Response):
        return tenant
    from pydantic import ValidationError

    body = json_object()
    if isinstance(body, Response):
        return body
    try:
        settings = TenantSettings.model_validate(deep_merge(tenant.settings.model_dump(), body))
    except ValidationError as err:
        return validation_error(err)
    # One reference swap: a request in flight sees the old settings or the new, never a mix.
    tenant.settings = settings
    return jsonify(settings.model_dump())


@blueprint.post("/tenants/<tenant_id>/apps")
def create_app(tenant_id: str) -> Response | tuple[Response, int]:
    """Another OAuth app for the tenant: its own client id, secret and quota (facts §6.1)."""
    tenant = _tenant_or_404(tenant_id)
    if isinstance(tenant, Response):
        return tenant
    from .bodies import NewApp

    fields = validated_body(NewApp)
    if isinstance(fields, Response):
        return fields
    try:
        app = _sim().identity.create_app(
            tenant_id,
            fields.redirect_uris or [DEFAULT_REDIRECT_URI],
            fields.client_id,
            fields.client_secret,
            fields.name,
        )
    except ValueError as err:  # a taken client id
        return admin_error(str(err), 409)
    return jsonify(tenant_id=tenant_id, **app_summary(app)), 201


@blueprint.post("/tenants/<tenant_id>/tokens")
def mint_token(tenant_id: str) -> Response | tuple[Response, int]:
    """A fresh token pair for one of the tenant's OAuth apps (the first by default), as if the
    authorization-code flow had run; ``{"kind": "PAT"}`` or ``"SAK"`` mints an API key."""
    sim = _sim()
    tenant = _tenant_or_404(tenant_id)
    if isinstance(tenant, Response):
        return tenant
    from .bodies import NewToken

    wanted = validated_body(NewToken)
    if isinstance(wanted, Response):
        return wanted
    if wanted.kind != "oauth":
        key = sim.identity.create_api_key(tenant_id, wanted.kind)
        return jsonify(api_key=key.key, kind=key.kind, tenant_id=tenant_id), 201
    apps = sim.identity.apps_of(tenant_id)
    if wanted.client_id is not None:
        apps = [a for a in apps if a.client_id == wanted.client_id]
    if not apps:
        return admin_error(
            f"tenant {tenant_id!r} has no OAuth app {wanted.client_id or ''}".rstrip(), 404
        )
    settings = tenant.settings
    access, refresh = sim.identity.issue_tokens(
        apps[0], sim.clock.time(), settings.access_token_ttl, settings.refresh_token_ttl
    )
    return jsonify(
        access_token=access.token,
        token_type="bearer",
        expires_in=int(access.expires_at - access.issued_at),
        refresh_token=refresh.token,
        scope=f"full|{sim.tenant_host(tenant_id)}",
        client_id=apps[0].client_id,
        tenant_id=tenant_id,
    ), 201


@blueprint.delete("/tokens/<path:token>")
def revoke_token(token: str) -> Response | tuple[str, int]:
    if not _sim().identity.revoke(token):
        return admin_error("no such access token, refresh token or API key", 404)
    return "", 204
