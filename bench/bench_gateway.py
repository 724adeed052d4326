"""Benchmark of the gateway's control-plane stages (journal, fault rules, throttle).

Two measurements, printed (nothing timed is asserted):

1. **Journal memory over many requests.** A gateway of just the journal and fault stages in
   front of a tiny WSGI app, driven through ``Gateway.handle`` (no sockets, no Flask) for
   ``--requests`` requests (default 1,000,000). RSS, the journal's length and (with
   ``--tracemalloc``) traced memory are printed at checkpoints: they must level off once the
   ring is full.
2. **Requests per second, gateway layers on vs off.** The whole simulator's WSGI app (Flask
   included) answering ``GET /crm/rest/v1/contacts``: once with the journal, a fault rule that
   never matches and the throttle (limits raised so nothing is rejected), once with all three
   off; the ratio is the cost of the layers. Rates are per CPU second of this process
   (``time.process_time``), so that other load on the machine does not skew the ratio.

Run: ``python bench/bench_gateway.py [--requests N] [--rps-requests N] [--tracemalloc]``.
"""

from __future__ import annotations

import argparse
import io
import json
import time
import tracemalloc

from werkzeug.wrappers import Request

from keapsim.config import Limits, TenantSettings, Window
from keapsim.gateway.faults import ApplyFaults, FaultRules
from keapsim.gateway.journal import DEFAULT_JOURNAL_SIZE, Journal, RecordJournal
from keapsim.gateway.pipeline import Gateway
from keapsim.simulator import Simulator

BODY = json.dumps({"contacts": [], "count": 0, "next": None, "previous": None}).encode()
LIMITLESS = 10**12


def rss_mib() -> float:
    """Resident set size from /proc (Linux); 0 where it is not available."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tiny_app(environ: dict, start_response) -> list[bytes]:
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]


def environ_for(path: str, api_key: str, body: bytes = b"") -> dict:
    return {
        "REQUEST_METHOD": "POST" if body else "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "limit=10",
        "SERVER_NAME": "keapsim.local",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "HTTP_X_KEAP_API_KEY": api_key,
        "HTTP_USER_AGENT": "bench",
    }


def journal_memory(requests: int, checkpoints: int, use_tracemalloc: bool) -> None:
    print(
        f"== journal memory: {requests:,} requests through journal + faults "
        f"(ring of {DEFAULT_JOURNAL_SIZE:,}) =="
    )
    journal = Journal(DEFAULT_JOURNAL_SIZE)
    faults = FaultRules()
    faults.add(path="/never/*", canned="throttled")  # evaluated on every request, never fires
    gateway = Gateway(tiny_app, [RecordJournal(journal), ApplyFaults(faults)])
    body = json.dumps(
        {
            "given_name": "Bench",
            "email_addresses": [{"email": "bench@example.com", "field": "EMAIL1"}],
        }
    ).encode()
    if use_tracemalloc:
        tracemalloc.start()
    step = max(1, requests // checkpoints)
    started = time.perf_counter()
    print(f"{'requests':>12} {'journal':>8} {'RSS MiB':>9} {'traced MiB':>11} {'req/s':>9}")
    for n in range(1, requests + 1):
        environ = environ_for(
            "/crm/rest/v1/contacts", "KeapAK-bench-key-0000", body if n % 2 else b""
        )
        gateway.handle(Request(environ))
        if n % step == 0 or n == requests:
            traced = tracemalloc.get_traced_memory()[0] / 2**20 if use_tracemalloc else 0.0
            rate = n / (time.perf_counter() - started)
            print(f"{n:>12,} {len(journal):>8,} {rss_mib():>9.1f} {traced:>11.1f} {rate:>9,.0f}")
    if use_tracemalloc:
        tracemalloc.stop()


def simulator(layers: bool) -> Simulator:
    unlimited = Window(per_second=LIMITLESS, per_minute=LIMITLESS, per_day=LIMITLESS)
    settings = TenantSettings(
        throttle=layers,
        limits=Limits(oauth_app=unlimited, api_key=unlimited, tenant=unlimited),
    )
    sim = Simulator(settings=settings, journal=layers, faults=layers)
    if layers:
        sim.faults.add(path="/never/*", canned="throttled")
    return sim


def requests_per_second(sim: Simulator, requests: int) -> float:
    api_key = sim.default_tenant.api_key
    statuses: dict[str, int] = {}

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        statuses[status] = statuses.get(status, 0) + 1

    app = sim.wsgi_app
    for _ in range(min(200, requests)):  # warm-up
        b"".join(app(environ_for("/crm/rest/v1/contacts", api_key), start_response))
    statuses.clear()
    started = time.process_time()
    for _ in range(requests):
        b"".join(app(environ_for("/crm/rest/v1/contacts", api_key), start_response))
    elapsed = time.process_time() - started
    if set(statuses) != {"200 OK"}:
        print(f"   note: statuses seen {statuses}")
    return requests / elapsed


def layers_ratio(requests: int, rounds: int) -> None:
    print(
        f"\n== requests/s through the whole simulator (Flask included), {requests:,} "
        f"requests x {rounds} rounds =="
    )
    on_rates, off_rates = [], []
    for _ in range(rounds):  # interleaved, so drift in machine load hits both alike
        off_rates.append(requests_per_second(simulator(False), requests))
        on_rates.append(requests_per_second(simulator(True), requests))
    off, on = max(off_rates), max(on_rates)
    print("   (requests per CPU second)")
    print(f"   layers off (no journal, no faults, no throttle): {off:>9,.0f} req/s")
    print(f"   layers on  (journal + 1 fault rule + throttle):  {on:>9,.0f} req/s")
    print(f"   on/off ratio: {on / off:.2f}  (cost of the layers: {100 * (1 - on / off):.0f} %)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests",
        type=int,
        default=1_000_000,
        help="requests for the memory run (default 1,000,000)",
    )
    parser.add_argument("--checkpoints", type=int, default=10)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations (about 2x slower)"
    )
    parser.add_argument(
        "--rps-requests",
        type=int,
        default=5_000,
        help="requests per round of the on/off comparison",
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    journal_memory(args.requests, args.checkpoints, args.tracemalloc)
    layers_ratio(args.rps_requests, args.rounds)


if __name__ == "__main__":
    main()
