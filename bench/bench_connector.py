"""Issue 5's figures: the connector delivering leads at a server-side rate limit.

A simulator is served on 127.0.0.1 (a real socket, real wall-clock time) with a tenant whose
credentials may make ``--limit`` requests in any rolling second (default 30) and have no other
window, so the run measures pacing against exactly one limit. The connector delivers
``--leads`` leads (default 1,000) from a pool of ``--threads`` threads (default 8) with a flow
that costs exactly one request per lead (the v2 upsert ``POST /v2/contacts?duplicate_option=
Email``; no tags, no note), so requests per second is leads per second. At the limit, 1,000
leads take about 33 s. Two configurations run:

1. **matching**: the connector's ``rate_limit.requests_per_second`` equals the server's limit,
   with an API key (SAK). Keap tells keys their per-second limit (``x-keap-product-spike-limit:
   30ps``) and the connector's ``QuotaGovernor`` keeps to it. Target: achieved/limit >= 0.95
   with no 429s.
2. **over limit**: the connector's rate is twice the server's, with an OAuth app. Keap sends no
   per-second header to OAuth apps, so only the 429s tell the connector to slow down. The run
   shows it recovering from them: retries, and every lead still succeeds. Keap sends no
   Retry-After, so each 429 costs its thread at least a second: the achieved rate drops well
   below the limit.

The client burst defaults to 1 so that the figure is the sustained rate: with a burst of B, the
first second carries B extra requests, which would flatter a short run.

``--with-tags`` adds a third run of the matching configuration whose flow also applies one tag
(v2 applies tags with one ``applyTags`` call each): two requests per lead.

Figures are printed, never asserted. Rates are wall-clock rates: the delivery is paced, so the
CPU is mostly idle and other load on the machine hardly moves them.

    python bench/bench_connector.py [--leads N] [--limit N] [--threads N] [--burst N]
                                    [--with-tags] [--quick]
"""

from __future__ import annotations

import argparse
import bisect
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from connector import Connector, DeliveryResult, parse_config
from keapsim import Simulator
from keapsim.config import Limits, Window
from keapsim.server import SimulatorServer

THROTTLED_STATUSES = (429, 503)
DEFAULT_LEADS = 1000
QUICK_LEADS = 200

Credential = Literal["api_key", "oauth"]


@dataclass(frozen=True)
class Scenario:
    name: str
    credential: Credential
    #: the connector's ``rate_limit.requests_per_second`` as a multiple of the server's limit
    client_rate_factor: float
    tags: int = 0
    #: enough tries that a lead outlasts a run of 429s (Keap sends no Retry-After)
    attempts: int = 10


@dataclass
class Figures:
    scenario: Scenario
    leads: int
    outcomes: Counter[str]
    wall: float
    requests_admitted: int
    throttled: dict[int, int]
    attempts: int
    limit: int
    client_rate: float
    burst: int
    busiest_second: int

    @property
    def achieved_rate(self) -> float:
        return self.requests_admitted / self.wall

    @property
    def ratio(self) -> float:
        return self.achieved_rate / self.limit

    @property
    def retries(self) -> int:
        # Every attempt beyond the one that got through is a retry, except the last attempt of
        # a lead that gave up (its failure was final, not retried).
        given_up = self.outcomes.get("error", 0)
        return self.attempts - self.requests_admitted - given_up


def tenant_limits(per_second: int) -> Limits:
    """Only a rolling second, for both credential kinds; no minute, day or tenant window, so
    the run measures pacing against exactly one limit."""
    window = Window(per_second=per_second)
    return Limits(api_key=window, oauth_app=window, tenant=Window())


def flow(
    base_url: str,
    credential: Credential,
    secrets: dict[str, str],
    token_store: Path,
    rate: float,
    burst: int,
    attempts: int,
    tag_ids: list[int],
) -> dict[str, Any]:
    if credential == "api_key":
        credentials: dict[str, Any] = {"type": "api_key", "api_key": secrets["api_key"]}
    else:
        credentials = {
            "type": "oauth",
            "client_id": secrets["client_id"],
            "client_secret": secrets["client_secret"],
            "token_store": str(token_store),
            "access_token": secrets["access_token"],
            "refresh_token": secrets["refresh_token"],
        }
    return {
        "keap": {
            "base_url": f"{base_url}/crm/rest",
            "api_version": "v2",
            "credentials": credentials,
            "rate_limit": {"requests_per_second": rate, "burst": burst},
            "retries": {"attempts": attempts},
        },
        "duplicates": {"mode": "update_existing", "match": "email"},
        "tags": tag_ids,
        "note": {"enabled": False},
    }


def make_leads(count: int) -> list[dict[str, Any]]:
    return [
        {"first_name": f"Lead{i}", "last_name": "Bench", "email": f"lead{i}@bench.example"}
        for i in range(count)
    ]


def busiest_second(stamps: list[float]) -> int:
    """Most requests the server admitted in any rolling second (its own window: (t-1, t])."""
    stamps = sorted(stamps)
    return max(
        (bisect.bisect_right(stamps, t) - bisect.bisect_right(stamps, t - 1.0) for t in stamps),
        default=0,
    )


def run(scenario: Scenario, leads: int, limit: int, burst: int, threads: int) -> Figures:
    sim = Simulator(default_tenant=False)
    creds = sim.create_tenant(limits=tenant_limits(limit))
    tenant = sim.tenant(creds.tenant_id)
    tag_ids = [tenant.tags.create(f"bench {i}").id for i in range(scenario.tags)]
    client_rate = limit * scenario.client_rate_factor
    with (
        SimulatorServer(sim, threads=max(threads, 4)) as server,
        tempfile.TemporaryDirectory(prefix="bench-connector-") as tmp,
    ):
        config = parse_config(
            flow(
                server.url,
                scenario.credential,
                creds.to_dict(),
                Path(tmp) / "tokens.json",
                client_rate,
                burst,
                scenario.attempts,
                tag_ids,
            )
        )
        batch = make_leads(leads)
        with Connector(config) as connector, ThreadPoolExecutor(threads) as pool:
            started = time.monotonic()
            results: list[DeliveryResult] = list(pool.map(connector.deliver, batch))
            wall = time.monotonic() - started
        entries = [e for e in sim.journal if e.path.startswith("/crm/rest/")]
    admitted = [e.time for e in entries if e.status is not None and e.status < 400]
    return Figures(
        scenario=scenario,
        leads=leads,
        outcomes=Counter(str(r.outcome) for r in results),
        wall=wall,
        requests_admitted=len(admitted),
        throttled={s: sum(1 for e in entries if e.status == s) for s in THROTTLED_STATUSES},
        attempts=sum(r.attempts for r in results),
        limit=limit,
        client_rate=client_rate,
        burst=burst,
        busiest_second=busiest_second(admitted),
    )


def report(figures: Figures) -> None:
    s = figures.scenario
    per_lead = figures.requests_admitted / figures.leads if figures.leads else 0
    print(f"== {s.name}: {figures.leads:,} leads, {s.credential} credential ==")
    rows = [
        ("server limit", f"{figures.limit} requests/s (rolling second)"),
        ("client rate_limit", f"{figures.client_rate:g} requests/s, burst {figures.burst}"),
        ("outcomes", ", ".join(f"{k} {v}" for k, v in sorted(figures.outcomes.items()))),
        ("requests admitted", f"{figures.requests_admitted:,} ({per_lead:g} per lead)"),
        ("wall time", f"{figures.wall:.2f} s"),
        ("achieved rate", f"{figures.achieved_rate:.2f} requests/s"),
        ("achieved / limit", f"{figures.ratio:.3f}"),
        ("busiest second", f"{figures.busiest_second} admitted (server's rolling window)"),
        ("throttled (server)", ", ".join(f"{k}: {v}" for k, v in figures.throttled.items())),
        ("client attempts", f"{figures.attempts:,}"),
        ("retries", f"{figures.retries:,}"),
    ]
    for label, value in rows:
        print(f"  {label:<20} {value}")
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=None, help=f"default {DEFAULT_LEADS:,}")
    parser.add_argument(
        "--limit", type=int, default=30, help="server requests per rolling second (default 30)"
    )
    parser.add_argument(
        "--burst", type=int, default=1, help="client token-bucket burst (default 1)"
    )
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--with-tags", action="store_true", help="add a run with one tag per lead")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_LEADS} leads (unless --leads is given)"
    )
    args = parser.parse_args(argv)
    leads = args.leads or (QUICK_LEADS if args.quick else DEFAULT_LEADS)
    burst = args.burst
    scenarios = [
        Scenario("matching client limit", "api_key", 1.0),
        Scenario("client limit 2x the server's", "oauth", 2.0),
    ]
    if args.with_tags:
        scenarios.append(Scenario("matching client limit, one tag per lead", "api_key", 1.0, 1))
    for scenario in scenarios:
        report(run(scenario, leads, args.limit, burst, args.threads))


if __name__ == "__main__":
    main()
