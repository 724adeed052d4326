"""Issue 2's figures for this machine: in-process calls/s, server requests/s with p50/p99,
time from `keapsim serve` to the first answer, and email search at 1k vs 100k contacts.

    python bench/bench_core.py [--duration 5] [--quick]

Targets: >= 2,000 in-process calls/s, >= 1,500 server requests/s with p99 <= 30 ms, first
answer <= 0.5 s, search ratio (100k / 1k) <= 1.5. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import time

import httpx

sys.path.insert(0, os.path.dirname(__file__))
from loadgen import KEY, contact_body, free_port, run, serve_command

from keapsim import Simulator
from keapsim.seed import seed_tenant


def in_process(n: int) -> dict[str, float]:
    sim = Simulator(throttle=False, api_key=KEY)
    client = sim.client()
    start = time.perf_counter()
    ids = [
        client.post(
            "/v1/contacts", content=contact_body(i), headers={"Content-Type": "application/json"}
        ).json()["id"]
        for i in range(n)
    ]
    create = n / (time.perf_counter() - start)
    start = time.perf_counter()
    for cid in ids:
        client.get(f"/v1/contacts/{cid}")
    get = n / (time.perf_counter() - start)
    return {"create_per_s": round(create), "get_per_s": round(get)}


def search_seconds(contacts: int, lookups: int = 2000) -> float:
    sim = Simulator(throttle=False, api_key=KEY)
    tenant = sim.tenant()
    for i in range(contacts):
        tenant.contacts.create(
            {"email_addresses": [{"email": f"c{i}@example.com", "field": "EMAIL1"}]}
        )
    client = sim.client()
    emails = [f"c{(i * 7919) % contacts}@example.com" for i in range(lookups)]
    start = time.perf_counter()
    for email in emails:
        assert client.get("/v1/contacts", params={"email": email}).json()["count"] == 1
    return (time.perf_counter() - start) / lookups


def serve(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        serve_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def first_answer() -> float:
    port = free_port()
    start = time.perf_counter()
    proc = serve(port)
    try:
        while True:  # http.client: a cheap poll, so the client's cost is not counted
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request(
                    "GET", "/crm/rest/v1/contacts?limit=1", headers={"X-Keap-API-Key": KEY}
                )
                assert conn.getresponse().status == 200
                return time.perf_counter() - start
            except OSError:
                time.sleep(0.005)
    finally:
        proc.terminate()
        proc.wait()


def server_mode(duration: float) -> dict[str, dict]:
    port = free_port()
    proc = serve(port)
    base = f"http://127.0.0.1:{port}"
    headers = {"X-Keap-API-Key": KEY, "Content-Type": "application/json"}
    try:
        while True:
            try:
                created = httpx.post(
                    f"{base}/crm/rest/v1/contacts", headers=headers, content=contact_body(0)
                ).json()["id"]
                break
            except httpx.TransportError:
                time.sleep(0.01)
        return {
            "create": run(
                base,
                headers,
                lambda n: ("POST", "/crm/rest/v1/contacts", contact_body(n)),
                duration=duration,
            ),
            "get": run(
                base,
                headers,
                lambda n: ("GET", f"/crm/rest/v1/contacts/{created}", None),
                duration=duration,
            ),
        }
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="smaller runs")
    args = parser.parse_args()
    n = 2000 if args.quick else 5000
    print("in-process (httpx.WSGITransport, no socket):", in_process(n), "target >= 2000/s")
    for op, r in server_mode(args.duration).items():
        print(
            f"server {op}: {r['rps']} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms "
            f"{r['statuses']} (16 connections; target >= 1500 req/s, p99 <= 30 ms)"
        )
    print(f"first answer after `keapsim serve`: {first_answer():.3f} s (target <= 0.5 s)")
    small = search_seconds(1_000)
    large = search_seconds(100_000 if not args.quick else 20_000)
    print(
        f"search by email: {small * 1e6:.0f} us at 1k, {large * 1e6:.0f} us at "
        f"{'100k' if not args.quick else '20k'}; ratio {large / small:.2f} (target <= 1.5)"
    )
    # Seeding realistic data is also a start-up cost users see with --seed-data.
    start = time.perf_counter()
    seed_tenant(Simulator().tenant(), 1000, 1)
    print(f"seed 1,000 realistic contacts: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
