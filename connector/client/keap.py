"""KeapClient: one httpx client with credentials, pacing and retries, plus the calls we need.

The httpx transport is the seam for tests: pass ``transport=httpx.WSGITransport(app=...)`` (or
the simulator's ``sim.transport()``) and every request, including ``/token``, goes there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from connector.client.auth import Authenticator, AuthError, AuthRefreshUnavailable
from connector.client.errors import (
    KeapAuthFailed,
    KeapRecovered,
    KeapRejected,
    KeapUnavailable,
    error_message,
    response_body,
)
from connector.client.retry import RetryPolicy
from connector.client.throttle import QuotaExhausted, QuotaGovernor, RateBucket, TokenBucket
from connector.client.wiring import DEFAULT_HEADERS, authenticator, http_client, retry_policy
from connector.config import ApiVersion, KeapSettings

#: The v1 contact model's optional properties the connector may write (a v1 read leaves every
#: one out unless asked; Keap refuses names outside the model's list).
V1_CONTACT_OPTIONAL = (
    "anniversary,birthday,contact_type,custom_fields,fax_numbers,job_title,lead_source_id,"
    "opt_in_reason,origin,preferred_locale,preferred_name,prefix,social_accounts,source_type,"
    "spouse_name,suffix,time_zone,website"
)
V2_CONTACT_FIELDS = (
    "addresses,birth_date,contact_type,create_time,custom_fields,email_addresses,family_name,"
    "given_name,job_title,leadsource_id,owner_id,phone_numbers,preferred_locale,source_type,"
    "tag_ids,update_time,utm_parameters,website"
)


# Transport errors raised before the request could reach Keap; every other one (read timeout,
# connection dropped mid-exchange) may have come after Keap acted on it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class RequestStats:
    """Per-lead counters; the delivery passes one in to report attempts."""

    attempts: int = 0
    retries: int = 0
    waited: float = 0.0

    def add(self, other: RequestStats) -> None:
        self.attempts += other.attempts
        self.retries += other.retries
        self.waited += other.waited


@dataclass
class _Call:
    """One ``request`` call across its attempts."""

    url: str
    stats: RequestStats
    recover: Callable[[], Any] | None
    attempt: int = 0
    refreshed: bool = False  # a 401 already led to one credential refresh


class KeapClient:
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
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.bucket: RateBucket = bucket or TokenBucket(10, 20, sleep=sleep)
        self.governor = governor or QuotaGovernor(sleep=sleep)
        self._sleep = sleep
        # httpx.Client is thread-safe for concurrent requests; one pool serves every thread.
        self.http = http or httpx.Client(
            transport=transport,
            timeout=timeout or httpx.Timeout(30.0, connect=5.0),
            headers=DEFAULT_HEADERS,
        )
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

    # -- the request loop ---------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        allow: Collection[int] = (),
        stats: RequestStats | None = None,
        recover: Callable[[], Any] | None = None,
    ) -> httpx.Response:
        """Send with pacing, credentials, one refresh on 401 and retries.

        Returns 2xx responses and those whose status is in ``allow``; raises ``KeapError``
        subclasses otherwise.

        ``recover`` is for requests that are unsafe to repeat (a plain create). After a failure
        that may have happened after Keap acted (lost response, 5xx) it is called before any
        re-send or give-up: a non-None result raises ``KeapRecovered`` with it, None means the
        request did not take effect and the usual retry rules apply.
        """
        url = f"{self.base_url}/{path.lstrip('/')}"
        call = _Call(url, stats if stats is not None else RequestStats(), recover)
        while True:
            call.attempt += 1
            request = self._prepare(method, call, json=json, params=params)
            try:
                response = self._send(request)
            except httpx.HTTPError as exc:
                self._back_off_after_transport_error(exc, call)
                continue
            response.read()
            self.governor.observe(response.headers)
            if self._resend_after_refresh(request, response, call):
                continue
            if response.is_success or response.status_code in allow:
                return response
            self._back_off_after_status(response, call)

    def _prepare(
        self, method: str, call: _Call, *, json: Any, params: dict[str, Any] | None
    ) -> httpx.Request:
        """One attempt's request: paced by the bucket, authenticated, cleared by the quota
        governor (last, because its spike window starts there)."""
        call.stats.waited += self.bucket.acquire()
        request = self.http.build_request(method, call.url, json=json, params=params)
        try:
            self.auth.apply(request)
        except AuthRefreshUnavailable as exc:
            raise KeapUnavailable(str(exc)) from None
        except AuthError as exc:
            raise KeapAuthFailed(str(exc)) from None
        try:
            call.stats.waited += self.governor.wait()
        except QuotaExhausted as exc:
            raise KeapUnavailable(str(exc), status=429) from None
        call.stats.attempts += 1
        return request

    def _back_off_after_transport_error(self, exc: httpx.HTTPError, call: _Call) -> None:
        """Sleep before the next attempt, or raise when the error is final."""
        if not self.retry.should_retry_exception(exc):
            raise KeapUnavailable(f"{type(exc).__name__} talking to Keap at {call.url}") from None
        if call.recover is not None and not isinstance(exc, _NOT_SENT):
            _check_recovered(call.recover)
        delay = self.retry.delay_for(call.attempt)
        if delay is None:
            raise KeapUnavailable(
                f"{type(exc).__name__} talking to Keap at {call.url} "
                f"after {call.attempt} attempt(s)"
            ) from None
        self._backoff(delay, call.stats)

    def _resend_after_refresh(
        self, request: httpx.Request, response: httpx.Response, call: _Call
    ) -> bool:
        """Whether a first 401 led the authenticator to new credentials worth a resend."""
        if response.status_code != 401 or call.refreshed:
            return False
        call.refreshed = True
        try:
            resend = self.auth.on_unauthorized(request)
        except AuthRefreshUnavailable as exc:
            raise KeapUnavailable(str(exc)) from None
        except AuthError as exc:
            raise KeapAuthFailed(str(exc), status=401) from None
        if resend:
            call.attempt -= 1  # a token refresh is not a retry of a failed request
        return resend

    def _back_off_after_status(self, response: httpx.Response, call: _Call) -> None:
        """Sleep before the next attempt after a failed status, or raise the matching error."""
        status = response.status_code
        if status in (401, 403):
            raise KeapAuthFailed(
                f"Keap refused the credentials (HTTP {status}: {error_message(response)})",
                status=status,
                body=response_body(response),
            )
        if not self.retry.should_retry_status(status):
            raise KeapRejected(
                f"Keap rejected the request (HTTP {status}: {error_message(response)})",
                status=status,
                body=response_body(response),
            )
        # A 5xx may come after Keap acted; one with Retry-After is a "come back later"
        # refusal (the guide profile's over-limit 503), not a failure half-way.
        if call.recover is not None and status >= 500 and "retry-after" not in response.headers:
            _check_recovered(call.recover)
        delay = self.retry.delay_for(call.attempt, response)
        if delay is None:
            raise KeapUnavailable(
                f"Keap answered HTTP {status} ({error_message(response)}) "
                f"after {call.attempt} attempt(s)",
                status=status,
                body=response_body(response),
            )
        self._backoff(delay, call.stats)

    def _send(self, request: httpx.Request) -> httpx.Response:
        """One send, after ``governor.wait``; the governor hears when it is over, however."""
        try:
            return self.http.send(request)
        finally:
            self.governor.done()

    def _backoff(self, delay: float, stats: RequestStats) -> None:
        stats.retries += 1
        stats.waited += delay
        self._sleep(delay)

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
        if self.api_version is ApiVersion.V1:
            params: dict[str, Any] = {"email": email, "limit": 10}
            if given_name:
                params["given_name"] = given_name
            if family_name:
                params["family_name"] = family_name
            body = self.request("GET", "/v1/contacts", params=params, stats=stats).json()
        else:
            clauses = [f"email=={email}"]
            if given_name:
                clauses.append(f"given_name=={given_name}")
            if family_name:
                clauses.append(f"family_name=={family_name}")
            # Without ``fields`` v2 sends only id and names (its model's optional properties
            # are "not transmitted by default"), and the match is confirmed on the addresses.
            wanted = f"email_addresses,{fields}" if fields else "email_addresses"
            params = {"filter": ";".join(clauses), "page_size": 10, "fields": wanted}
            body = self.request("GET", "/v2/contacts", params=params, stats=stats).json()
        contacts = body.get("contacts") or []
        # Keap's email filter is case-insensitive but some versions also match wildcards:
        # confirm the match locally so a look-up never picks the wrong person.
        return [c for c in contacts if _has_email(c, email)]

    def get_contact(self, contact_id: str, stats: RequestStats | None = None) -> dict[str, Any]:
        if self.api_version is ApiVersion.V1:
            params = {"optional_properties": V1_CONTACT_OPTIONAL}
            return self.request(
                "GET", f"/v1/contacts/{contact_id}", params=params, stats=stats
            ).json()
        # v2 returns a default subset unless ``fields`` names what we need.
        return self.request(
            "GET", f"/v2/contacts/{contact_id}", params={"fields": V2_CONTACT_FIELDS}, stats=stats
        ).json()

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


def _check_recovered(recover: Callable[[], Any]) -> None:
    found = recover()
    if found is not None:
        raise KeapRecovered(found)


def _has_email(contact: dict[str, Any], email: str) -> bool:
    wanted = email.lower()
    if str(contact.get("email", "")).lower() == wanted:  # v1 list items
        return True
    return any(
        str(e.get("email", "")).lower() == wanted
        for e in contact.get("email_addresses") or []
        if isinstance(e, dict)
    )
