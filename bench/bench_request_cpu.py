"""CPU per request through the simulator's WSGI app, called directly (issue 18).

No httpx, no server: each request is a WSGI environ handed to ``sim.wsgi_app`` in a loop, so
the figure is keapsim's own cost (gateway stages, Flask, adapters, shapes, JSON) for three
requests of the side-by-side benchmark: a v1 GET by id, a v1 create and a v1 search by email,
against a tenant holding ``--contacts`` contacts, throttle off (the benchmarks' setting).

Printed: µs of CPU per request (``time.process_time``, best of ``--rounds``; the machine is
shared, so CPU time is steadier than wall time), the same three requests against the Flask
reference of ``bench_side_by_side.py`` (its app, seeded alike, called through the same
harness), keapsim's ratio to it, and the load average. ``--profile get`` (or
``create``, ``search``) runs that request under cProfile instead and prints the top functions.

    python bench/bench_request_cpu.py [--contacts 25000] [--calls 5000] [--rounds 5]
    python bench/bench_request_cpu.py --profile get [--sort tottime]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from bench_side_by_side import REFERENCE
from werkzeug.test import EnvironBuilder

from keapsim import Simulator

KEY = "bench-key"
BASE = "http://keapsim.local"


def environ_for(method: str, path: str, body: bytes | None = None) -> dict[str, Any]:
    builder = EnvironBuilder(
        path=path,
        base_url=BASE,
        method=method,
        headers={"X-Keap-API-Key": KEY, "Accept": "application/json"},
        data=body,
        content_type="application/json" if body is not None else None,
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    start_response.status = status  # type: ignore[attr-defined]


def call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any], body: bytes) -> bytes:
    """One request: a fresh copy of the environ (the app adds keys to it), a fresh body."""
    fresh = environ.copy()
    fresh["wsgi.input"] = io.BytesIO(body)
    answer = app(fresh, start_response)
    try:
        return b"".join(answer)
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()


def contact_body(n: int) -> bytes:
    return json.dumps(
        {
            "given_name": f"Load{n}",
            "email_addresses": [{"email": f"load{n}@example.com", "field": "EMAIL1"}],
        }
    ).encode()


# The reference's source serves itself with waitress on its last line; the harness calls its
# ``app`` instead.
SERVE_LINE = "serve(app, "


def reference_app(contacts: int) -> Callable[..., Iterable[bytes]]:
    """The side-by-side benchmark's Flask reference, holding ``contacts`` contacts."""
    source, serve, _ = REFERENCE.rpartition(SERVE_LINE)
    if not serve:
        raise SystemExit("the reference no longer ends by serving itself: update the harness")
    namespace: dict[str, Any] = {"__name__": "reference"}
    argv = sys.argv
    sys.argv = ["reference", "0", str(contacts)]
    try:
        exec(compile(source, "reference.py", "exec"), namespace)
    finally:
        sys.argv = argv
    app: Callable[..., Iterable[bytes]] = namespace["app"]
    return app


class Requests:
    """The three requests, each a callable making one call, against a seeded simulator (or
    the reference app, ``reference=True``)."""

    def __init__(self, contacts: int, reference: bool = False) -> None:
        self.contacts = contacts
        if reference:  # seeded by reference_app; its emails are c<n>@example.com
            self.app = reference_app(contacts)
            self._prepare(contacts, "c{n}%40example.com")
            return
        self.sim = Simulator(throttle=False, api_key=KEY)
        self.app = self.sim.wsgi_app
        create = environ_for("POST", "/crm/rest/v1/contacts", b"{}")
        for n in range(1, contacts + 1):
            self._post(create, n)
        self._prepare(contacts, "load{n}%40example.com")

    def _prepare(self, contacts: int, email: str) -> None:
        self._create = environ_for("POST", "/crm/rest/v1/contacts", b"{}")
        self._next = contacts + 1
        self._gets = [
            environ_for("GET", f"/crm/rest/v1/contacts/{1 + (i * 7919) % contacts}")
            for i in range(64)
        ]
        self._searches = [
            environ_for(
                "GET",
                "/crm/rest/v1/contacts?email=" + email.format(n=1 + (i * 104729) % contacts),
            )
            for i in range(64)
        ]
        self._i = 0
        start_response.status = ""  # type: ignore[attr-defined]
        self.get()
        self._check("200")
        self.search()
        self._check("200")

    def _check(self, status: str) -> None:
        got: str = start_response.status  # type: ignore[attr-defined]
        if not got.startswith(status):
            raise SystemExit(f"unexpected status {got}")

    def _post(self, environ: dict[str, Any], n: int) -> None:
        body = contact_body(n)
        environ = environ.copy()
        environ["CONTENT_LENGTH"] = str(len(body))
        call(self.app, environ, body)

    def get(self) -> None:
        self._i += 1
        call(self.app, self._gets[self._i & 63], b"")

    def search(self) -> None:
        self._i += 1
        call(self.app, self._searches[self._i & 63], b"")

    def create(self) -> None:
        self._post(self._create, self._next)
        self._next += 1


def cpu_per_call(runs: list[Callable[[], None]], calls: int, rounds: int) -> list[float]:
    """µs of CPU per call of each of ``runs``, best of ``rounds`` rounds that alternate
    between them (so that a busy moment of the machine falls on all of them alike)."""
    best = [float("inf")] * len(runs)
    for _ in range(rounds):
        for index, run in enumerate(runs):
            started = time.process_time()
            for _ in range(calls):
                run()
            best[index] = min(best[index], (time.process_time() - started) / calls)
    return [seconds * 1e6 for seconds in best]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--calls", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=("get", "create", "search"))
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-reference", action="store_true", help="keapsim alone")
    args = parser.parse_args()
    requests = Requests(args.contacts)
    kinds = {"get": requests.get, "create": requests.create, "search": requests.search}
    if args.profile:
        run = kinds[args.profile]
        for _ in range(200):
            run()  # warm up
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.calls):
            run()
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
        return
    reference = None if args.no_reference else Requests(args.contacts, reference=True)
    print(f"{args.contacts:,} contacts, load average {os.getloadavg()[0]:.2f}")
    for name, run in kinds.items():
        runs = [run] if reference is None else [run, getattr(reference, name)]
        for each in runs:
            for _ in range(200):
                each()  # warm up
        micros = cpu_per_call(runs, args.calls, args.rounds)
        line = f"{name:7} {micros[0]:7.1f} µs CPU per request"
        if reference is not None:
            # Requests per CPU-second, keapsim's over the reference's (target for a GET: >= 1.0)
            line += (
                f"   reference {micros[1]:7.1f} µs   keapsim/reference {micros[1] / micros[0]:.2f}x"
            )
        print(line)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
