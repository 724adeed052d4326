"""KeapClient: one httpx client with credentials, pacing and retries, plus the calls we need.

The request loop itself is :class:`~connector.client.request_loop.RequestLoop`; the contact
reads' query strings are in ``contact_queries.py``.

The httpx transport is the seam for tests: pass ``transport=httpx.WSGITransport(app=...)`` (or
the simulator's ``sim.transport()``) and every request, including ``/token``, goes there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from connector.client.auth import Authenticator
from connector.client.contact_queries import (
    V1_CONTACT_OPTIONAL,
    V2_CONTACT_FIELDS,
    contact_read,
    contact_search,
    has_email,
)
from connector.client.request_loop import RequestLoop, RequestStats
from connector.client.retry import RetryPolicy
from connector.client.throttle import QuotaGovernor, RateBucket, TokenBucket
from connector.client.wiring import DEFAULT_HEADERS, authenticator, http_client, retry_policy
from connector.config import ApiVersion, KeapSettings

#: Names this module had before the request loop and the contact queries moved out.
__all__ = ["V1_CONTACT_OPTIONAL", "V2_CONTACT_FIELDS", "KeapClient", "RequestStats"]


class KeapClient(RequestLoop):
    def __init__(
        self,
        base_url: str,
        auth: Authenticator,
        *,
        api_version: ApiVersion = ApiVersion.V2,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        bucket: RateBucket | None = None,
        governor: QuotaGovernor | None = None,
        timeout: httpx.Timeout | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            base_url,
            auth,
            retry=retry or RetryPolicy(),
            bucket=bucket or TokenBucket(10, 20, sleep=sleep),
            governor=governor or QuotaGovernor(sleep=sleep),
            http=http or _default_http(transport, timeout),
            sleep=sleep,
        )
        self.api_version = api_version
        self._user_id: str | None = None
        self._user_lock = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        settings: KeapSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rng: Any = None,
    ) -> KeapClient:
        http = http_client(settings, transport)
        rl = settings.rate_limit
        return cls(
            settings.base_url,
            authenticator(settings, http, clock),
            api_version=settings.api_version,
            retry=retry_policy(settings, rng),
            bucket=TokenBucket(rl.requests_per_second, rl.burst, clock=clock, sleep=sleep),
            governor=QuotaGovernor(rl.low_water, clock=clock, sleep=sleep),
            http=http,
            sleep=sleep,
        )

    def close(self) -> None:
        self.http.close()

    # -- helpers for the calls the connector makes ----------------------------------------------
    @property
    def v(self) -> str:
        return self.api_version.value

    def contact_model(self, stats: RequestStats | None = None) -> dict[str, Any]:
        return self.request("GET", f"/{self.v}/contacts/model", stats=stats).json()

    def iter_lead_sources(self, stats: RequestStats | None = None) -> Iterator[dict[str, Any]]:
        """All lead sources (a v2-only resource; used for v1 flows too, same host)."""
        token: str | None = None
        while True:
            params: dict[str, Any] = {"page_size": 1000}
            if token:
                params["page_token"] = token
            body = self.request("GET", "/v2/leadSources", params=params, stats=stats).json()
            yield from body.get("lead_sources") or []
            token = body.get("next_page_token")
            if not token:
                return

    def find_contacts(
        self,
        email: str,
        *,
        given_name: str | None = None,
        family_name: str | None = None,
        fields: str | None = None,
        stats: RequestStats | None = None,
    ) -> list[dict[str, Any]]:
        """Contacts matching an email (and names, for the EmailAndName rule).

        ``fields`` (v2 only) names the properties to return, for callers that need one v2 may
        leave out by default (``update_time``); ``email_addresses`` is always added because the
        match is confirmed on it. v1 list items always carry ``date_created``/``last_updated``.
        """
        path, params = contact_search(self.api_version, email, given_name, family_name, fields)
        body = self.request("GET", path, params=params, stats=stats).json()
        contacts = body.get("contacts") or []
        # Keap's email filter is case-insensitive but some versions also match wildcards:
        # confirm the match locally so a look-up never picks the wrong person.
        return [c for c in contacts if has_email(c, email)]

    def get_contact(self, contact_id: str, stats: RequestStats | None = None) -> dict[str, Any]:
        path, params = contact_read(self.api_version, contact_id)
        return self.request("GET", path, params=params, stats=stats).json()

    def current_user_id(self, stats: RequestStats | None = None) -> str | None:
        """The CRM user id the credential acts as (v2 notes require a ``user_id``).

        userinfo names the caller by email; ``/v2/users`` maps that to the CRM user id. The
        userinfo ids are not it: v2's ``id`` is "the global user identifier" (v2 document) and
        v1's ``sub`` the global user id too. v1 userinfo serves where v2's is missing (older
        gateways).
        """
        with self._user_lock:
            if self._user_id is None:
                self._user_id = self._lookup_user_id(stats)
            return self._user_id

    def _lookup_user_id(self, stats: RequestStats | None) -> str | None:
        response = self.request("GET", "/v2/oauth/connect/userinfo", allow=(404,), stats=stats)
        if response.status_code == 404:
            response = self.request("GET", "/v1/oauth/connect/userinfo", stats=stats)
        email = response.json().get("email")
        if not email:
            return None
        users = self.request(
            "GET", "/v2/users", params={"filter": f"email=={email}"}, stats=stats
        ).json()
        for user in users.get("users") or []:
            if user.get("id") is not None:
                return str(user["id"])
        return None

    def test_connection(self) -> dict[str, Any]:
        """Check the credential with a cheap authenticated call and list the custom fields."""
        model = self.contact_model()
        fields = [
            {"id": f.get("id"), "label": f.get("label"), "field_type": f.get("field_type")}
            for f in model.get("custom_fields") or []
        ]
        return {"api_version": self.v, "auth": self.auth.mode, "custom_fields": fields}


def _default_http(
    transport: httpx.BaseTransport | None, timeout: httpx.Timeout | None
) -> httpx.Client:
    # httpx.Client is thread-safe for concurrent requests; one pool serves every thread.
    return httpx.Client(
        transport=transport,
        timeout=timeout or httpx.Timeout(30.0, connect=5.0),
        headers=DEFAULT_HEADERS,
    )
