"""The spike-limit rule of the QuotaGovernor: no more than N requests in any second as Keap
counts them (on arrival), at the full N per second when answers are quick.

Time is simulated by an event queue: ``sleep`` moves the clock and runs whatever is due
meanwhile (responses arriving), as other threads would in a real run.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
from collections.abc import Callable

import httpx
import pytest

from connector.client.auth import ApiKeyAuth
from connector.client.errors import KeapUnavailable
from connector.client.keap import KeapClient
from connector.client.retry import RetryPolicy
from connector.client.throttle import QuotaGovernor, TokenBucket

SPIKE = 10
SPIKE_HEADER = {"x-keap-product-spike-limit": f"{SPIKE}ps"}


class EventTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self._events: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    def at(self, when: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._events, (when, next(self._order), action))

    def sleep(self, seconds: float) -> None:
        until = self.now + seconds
        while self._events and self._events[0][0] <= until:
            when, _, action = heapq.heappop(self._events)
            self.now = max(self.now, when)
            action()
        self.now = until


def governor(t: EventTime) -> QuotaGovernor:
    gov = QuotaGovernor(clock=t.clock, sleep=t.sleep)
    gov.observe(SPIKE_HEADER)
    return gov


def busiest_second(arrivals: list[float]) -> int:
    """Keap's count: requests stamped in (t - 1, t], at the worst t."""
    arrivals = sorted(arrivals)
    return max(
        bisect.bisect_right(arrivals, a) - bisect.bisect_right(arrivals, a - 1) for a in arrivals
    )


def test_instant_answers_get_the_whole_limit_every_second():
    t = EventTime()
    gov = governor(t)
    sent = []
    for _ in range(3 * SPIKE + 1):
        gov.wait()
        sent.append(t.now)
        gov.done()
    start = sent[0]
    # Ten at once, the next ten exactly one second later (not 1.1 s: no fixed margin).
    assert sent[SPIKE - 1] == start
    assert sent[SPIKE] == pytest.approx(start + 1.0)
    assert sent[2 * SPIKE] == pytest.approx(start + 2.0)
    assert sent[3 * SPIKE] == pytest.approx(start + 3.0)
    assert gov.in_flight == 0


def test_the_window_runs_from_the_answer_not_the_send():
    t = EventTime()
    gov = governor(t)
    for _ in range(SPIKE - 1):
        gov.wait()
        gov.done()
    gov.wait()  # the tenth: answered 0.4 s later, so Keap may have stamped it at +0.4 s
    t.at(t.now + 0.4, gov.done)
    start = t.now
    gov.wait()
    # The first nine leave the window at +1 s; the tenth only at +1.4 s, but one leaving is
    # enough for an eleventh request.
    assert t.now == pytest.approx(start + 1.0)
    assert gov.in_flight == 1  # the eleventh, not yet answered

    for _ in range(SPIKE - 2):
        gov.wait()
    t.at(t.now + 10, gov.done)  # never mind these; the point is the next one:
    before = t.now
    gov.wait()
    assert t.now == pytest.approx(start + 1.4)  # the tenth's answer time + 1 s
    assert t.now > before


def test_requests_in_flight_hold_their_place_until_answered():
    t = EventTime()
    gov = governor(t)
    start = t.now
    for _ in range(SPIKE):
        gov.wait()
    assert gov.in_flight == SPIKE
    # None answered: Keap may still be stamping them, so the eleventh waits for an answer
    # (at +2 s here) and then a second more.
    t.at(start + 2.0, gov.done)
    gov.wait()
    assert t.now == pytest.approx(start + 3.0, abs=0.01)


@pytest.mark.parametrize("seed", range(5))
def test_keap_never_counts_more_than_the_limit_whatever_the_latency(seed):
    rng = random.Random(seed)
    t = EventTime()
    gov = governor(t)
    arrivals = []
    for _ in range(400):
        gov.wait()
        # Keap stamps the request somewhere between send and answer; latencies vary widely
        # (a 1.1 s window on send times would let bursts through at these latencies).
        arrival = t.now + rng.uniform(0, 0.3)
        arrivals.append(arrival)
        t.at(arrival + rng.uniform(0, 0.3), gov.done)
        t.sleep(rng.choice([0.0, 0.0, 0.0, 0.02]))
    t.sleep(10)
    assert busiest_second(arrivals) <= SPIKE
    assert gov.in_flight == 0
    # Each request holds a place for at most 1 s plus its 0.6 s round trip.
    assert len(arrivals) / (max(arrivals) - min(arrivals)) >= SPIKE / 1.6


def test_the_client_reports_every_send_to_the_governor_even_when_it_fails():
    calls = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) <= 2:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={}, headers=SPIKE_HEADER)

    gov = QuotaGovernor(sleep=lambda s: None)
    client = KeapClient(
        "http://keap.test/crm/rest",
        ApiKeyAuth("key"),
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy(attempts=2, initial_delay=0),
        bucket=TokenBucket(1000, 1000),
        governor=gov,
        sleep=lambda s: None,
    )
    with pytest.raises(KeapUnavailable):
        client.request("GET", "/v2/contacts")  # two connection errors: gives up
    assert gov.in_flight == 0
    client.request("GET", "/v2/contacts")
    assert gov.in_flight == 0
    assert len(calls) == 3
