"""The request loop under every Keap call: pacing, credentials, one refresh on 401, retries.

:class:`RequestLoop` sends one logical request across its attempts: the token bucket paces it,
the authenticator signs it, the quota governor clears it, and each failure either backs off
(``retry``) or ends in one of the ``KeapError`` subclasses of ``errors.py``. ``KeapClient``
(``keap.py``) adds the calls the connector makes on top.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
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
from connector.client.throttle import QuotaExhausted, QuotaGovernor, RateBucket

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


class RequestLoop:
    """Sends requests through one httpx client with pacing, credentials and retries."""

    def __init__(
        self,
        base_url: str,
        auth: Authenticator,
        *,
        retry: RetryPolicy,
        bucket: RateBucket,
        governor: QuotaGovernor,
        http: httpx.Client,
        sleep: Callable[[float], None],
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry
        self.bucket: RateBucket = bucket
        self.governor = governor
        self._sleep = sleep
        self.http = http

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


def _check_recovered(recover: Callable[[], Any]) -> None:
    found = recover()
    if found is not None:
        raise KeapRecovered(found)
