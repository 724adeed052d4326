"""Authentication: which tenant, and which quota, a credential belongs to."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, Protocol

from werkzeug.wrappers import Request, Response

from ..datarecord import record_class
from .pipeline import Handler, is_api
from .quota_headers import BLANK_HEADERS
from .responses import EXPIRED_TOKEN, INVALID_TOKEN, MISSING_TOKEN, json_response

if TYPE_CHECKING:
    from ..store import IdentityStore, Tenant

PRINCIPAL = "keapsim.principal"
# Served without a credential: keapsim's own description of what it implements.
PUBLIC_PATHS = frozenset({"/crm/rest/v1/openapi.json", "/crm/rest/v2/openapi.json"})


@record_class(frozen=True)
class Principal:
    """Who is calling: the tenant, the kind of credential and the key its quota is counted on
    (the OAuth app's client id, or the API key itself)."""

    tenant: Tenant
    kind: Literal["oauth", "PAT", "SAK"]
    quota_key: str


def principal_of(request: Request) -> Principal:
    principal: Principal = request.environ[PRINCIPAL]
    return principal


class TenantLookup(Protocol):
    """Finds a live tenant by id (``None`` once deleted): the simulator's tenant table."""

    def get(self, tenant_id: str, /) -> Tenant | None: ...


class AuthError(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["fault"]["faultstring"])
        self.body = body


class Authenticate:
    """Gateway stage: a credential is required for every ``/crm/rest/`` request.

    It needs only the credentials (``identity``), the simulated time (``now``: expiry) and the
    tenants a credential may name (``tenants``), not the whole simulator.
    """

    def __init__(
        self, identity: IdentityStore, now: Callable[[], float], tenants: TenantLookup
    ) -> None:
        self.identity = identity
        self.now = now
        self.tenants = tenants

    def __call__(self, request: Request, call_next: Handler) -> Response:
        if not is_api(request) or request.path in PUBLIC_PATHS:
            return call_next(request)
        try:
            principal = self.resolve(request)
        except AuthError as err:
            return json_response(err.body, 401, dict(BLANK_HEADERS))
        request.environ[PRINCIPAL] = principal
        return call_next(request)

    def resolve(self, request: Request) -> Principal:
        identity = self.identity
        # The environ's variables, as werkzeug's EnvironHeaders reads them (HTTP_ + the name
        # upper-cased, dashes as underscores), without its KeyError for an absent header:
        # every bearer request lacks the API-key header (issue 18).
        environ = request.environ
        api_key = environ.get("HTTP_X_KEAP_API_KEY")
        if api_key:
            return self._from_key(api_key)
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(MISSING_TOKEN)
        token = token.strip()
        access = identity.access_tokens.get(token)
        if access is None:
            # PAT/SAK also work as a bearer credential (a third-party claim, facts §2.2).
            if token in identity.api_keys:
                return self._from_key(token)
            raise AuthError(INVALID_TOKEN)
        if access.revoked:
            raise AuthError(INVALID_TOKEN)
        if self.now() >= access.expires_at:
            raise AuthError(EXPIRED_TOKEN)
        tenant = self.tenants.get(access.tenant_id)
        if tenant is None:
            raise AuthError(INVALID_TOKEN)
        return Principal(tenant, "oauth", access.client_id)

    def _from_key(self, key: str) -> Principal:
        record = self.identity.api_keys.get(key)
        if record is None or record.revoked:
            raise AuthError(INVALID_TOKEN)
        tenant = self.tenants.get(record.tenant_id)
        if tenant is None:
            raise AuthError(INVALID_TOKEN)
        return Principal(tenant, record.kind, record.key)
