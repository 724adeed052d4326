"""In-process contact create and get: keapsim against respx, in the same run (issue 18).

Both sides use the same ``httpx.Client`` calls (base URL, API-key header, JSON body). keapsim
answers through its WSGI transport with the gateway on (journal, faults, authentication,
throttle off), storing and shaping each contact; respx is a pure request matcher handing back a
canned contact body, the floor of any in-process mock built on httpx. Target: keapsim >= 0.8x
respx's calls/s for both operations.

Rates are calls per CPU-second of this process (``time.process_time``), best of ``--rounds``
interleaved rounds: on a shared machine other processes steal wall time from both sides
unevenly, but not CPU time. Wall-clock rates are printed too.

    python bench/bench_inprocess.py [--calls 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import respx

from keapsim import Simulator

KEY = "bench-key"
BASE = "http://keapsim.local/crm/rest"
TARGET = 0.8

CANNED_CONTACT = {
    "id": 1,
    "given_name": "Load1",
    "email_addresses": [{"email": "load1@example.com", "field": "EMAIL1"}],
    "phone_numbers": [],
    "fax_numbers": [],
    "addresses": [],
    "social_accounts": [],
    "email_opted_in": False,
    "email_status": "UnengagedNonMarketable",
    "relationships": [],
    "tag_ids": [],
    "date_created": "2026-03-10T09:00:00.000Z",
    "last_updated": "2026-03-10T09:00:00.000Z",
    "custom_fields": [],
}


def body(n: int) -> bytes:
    return json.dumps(
        {
            "given_name": f"Load{n}",
            "email_addresses": [{"email": f"load{n}@example.com", "field": "EMAIL1"}],
        }
    ).encode()


Side = Callable[[], Iterator[httpx.Client]]


@contextmanager
def keapsim_client() -> Iterator[httpx.Client]:
    sim = Simulator(throttle=False, api_key=KEY)
    with sim.client() as client:
        yield client


@contextmanager
def respx_client() -> Iterator[httpx.Client]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.post("/v1/contacts").mock(return_value=httpx.Response(201, json=CANNED_CONTACT))
        router.get(path__regex=r"/v1/contacts/\d+$").mock(
            return_value=httpx.Response(200, json=CANNED_CONTACT)
        )
        with httpx.Client(base_url=BASE, headers={"X-Keap-API-Key": KEY}) as client:
            yield client


def one_round(side: Side, calls: int) -> dict[str, tuple[float, float]]:
    """(calls per CPU-second, calls per wall second) for create, then get."""
    headers = {"Content-Type": "application/json"}
    bodies = [body(n) for n in range(calls)]
    rates = {}
    with side() as client:
        started = time.process_time(), time.perf_counter()
        ids = [client.post("/v1/contacts", content=b, headers=headers).json()["id"] for b in bodies]
        rates["create"] = per_second(calls, started)
        started = time.process_time(), time.perf_counter()
        for contact_id in ids:
            client.get(f"/v1/contacts/{contact_id}").json()
        rates["get"] = per_second(calls, started)
    return rates


def per_second(calls: int, started: tuple[float, float]) -> tuple[float, float]:
    cpu, wall = started
    return calls / (time.process_time() - cpu), calls / (time.perf_counter() - wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sides: dict[str, Side] = {"keapsim": keapsim_client, "respx": respx_client}
    best: dict[tuple[str, str], tuple[float, float]] = {}
    for _ in range(args.rounds):
        for name, side in sides.items():
            for op, (cpu_rate, wall_rate) in one_round(side, args.calls).items():
                old = best.get((name, op), (0.0, 0.0))
                best[name, op] = (max(old[0], cpu_rate), max(old[1], wall_rate))
    print(f"{args.calls} calls per operation, best of {args.rounds}; load average "
          f"{os.getloadavg()[0]:.2f} at the end")  # fmt: skip
    print(f"{'side':<8} {'op':<7} {'calls/CPU-s':>12} {'calls/s (wall)':>15}")
    for (name, op), (cpu_rate, wall_rate) in best.items():
        print(f"{name:<8} {op:<7} {cpu_rate:>12,.0f} {wall_rate:>15,.0f}")
    for op in ("create", "get"):
        ratio = best["keapsim", op][0] / best["respx", op][0]
        verdict = "met" if ratio >= TARGET else "not met"
        print(f"keapsim / respx {op}: {ratio:.2f}x (target >= {TARGET}x: {verdict})")


if __name__ == "__main__":
    main()
