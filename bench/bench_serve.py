"""Issue 17's figures: leads per second through ``keap-connector serve``, and what serve adds to a
lead's latency compared with calling ``Connector.deliver`` in-process.

A ``keapsim serve --throttle off`` process is the Keap side (unthrottled: the figures are the
connector's and serve's own cost, not a rate limit's). The flow costs exactly one request per
lead (the v2 upsert; no tags, no note). Each run uses fresh e-mail addresses.

Throughput (``--threads`` concurrent callers, ``--leads`` leads):

1. **direct**: ``Connector.deliver`` from a thread pool in this process (the baseline);
2. **serve sync**: ``POST /leads`` to a ``serve --mode sync`` process, answered with the outcome;
3. **serve queue**: ``POST /leads`` to a ``serve --mode queue`` process (202 at once), timed
   until the queue is empty: the accept rate and the end-to-end delivery rate.

Latency (one caller, one lead at a time, ``--latency-leads`` leads): the mean time of a lead
delivered directly and through serve sync; the difference is what serve adds (an HTTP hop on
loopback, reading the body, the delivery-log row, the metrics), printed with the ratio.

Figures are printed, never asserted; one run each, on a shared machine: compare the ratios of
one run, not figures across runs.

    python bench/bench_serve.py [--leads N] [--threads N] [--latency-leads N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import yaml

from connector import Connector, load_config

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-caller-token-0123456789"


def start(args: list[str], cwd: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """A process that prints one JSON line once it listens."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KEAP_CONNECTOR_SERVE_TOKEN": TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        raise SystemExit(f"{' '.join(args)} did not start")
    return process, json.loads(line)


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()


def write_flow(path: Path, sim: dict[str, Any]) -> Path:
    flow = {
        "keap": {
            "base_url": sim["base_url"],
            "api_version": "v2",
            "credentials": {"type": "api_key", "api_key": sim["api_key"]},
            "rate_limit": {"requests_per_second": 100_000, "burst": 10_000, "low_water": 0},
        },
        "note": {"enabled": False},
    }
    path.write_text(yaml.safe_dump(flow), encoding="utf-8")
    return path


def leads(run: str, count: int) -> list[dict[str, str]]:
    return [
        {"email": f"{run}.{i}@example.com", "first_name": "Bench", "last_name": f"Lead {i}"}
        for i in range(count)
    ]


def timed_pool(
    fn: Callable[[dict[str, str]], str], batch: list[dict[str, str]], threads: int
) -> tuple[float, Counter[str], list[float]]:
    """Wall time, outcomes and per-lead latencies of ``fn`` over ``batch``."""
    latencies: list[float] = []

    def one(lead: dict[str, str]) -> str:
        t0 = time.perf_counter()
        outcome = fn(lead)
        latencies.append(time.perf_counter() - t0)
        return outcome

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = Counter(pool.map(one, batch))
    return time.perf_counter() - started, outcomes, latencies


def serve_client(url: str, threads: int) -> httpx.Client:
    limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return httpx.Client(base_url=url, headers=headers, timeout=60, limits=limits)


def run_serve_sync(
    flow: Path, work: Path, batch: list[dict[str, str]], threads: int
) -> tuple[float, Counter[str], list[float]]:
    process, info = start(
        [
            "connector.cli",
            "serve",
            "-c",
            str(flow),
            "--port",
            "0",
            "--json",
            "--threads",
            str(max(threads, 4)),
            "--log-db",
            str(work / "sync-log.sqlite3"),
        ],
        work,
    )
    try:
        with serve_client(info["url"], threads) as client:
            return timed_pool(
                lambda lead: client.post("/leads", json=lead).json()["outcome"], batch, threads
            )
    finally:
        stop(process)


def run_serve_queue(
    flow: Path, work: Path, batch: list[dict[str, str]], threads: int
) -> tuple[float, float]:
    """(accept time, time until every lead is delivered)."""
    process, info = start(
        [
            "connector.cli",
            "serve",
            "-c",
            str(flow),
            "--port",
            "0",
            "--json",
            "--mode",
            "queue",
            "--workers",
            str(threads),
            "--queue-db",
            str(work / "queue.sqlite3"),
            "--log-db",
            str(work / "queue-log.sqlite3"),
        ],
        work,
    )
    try:
        with serve_client(info["url"], threads) as client:
            started = time.perf_counter()
            accept, outcomes, _ = timed_pool(
                lambda lead: str(client.post("/leads", json=lead).status_code), batch, threads
            )
            assert outcomes == Counter({"202": len(batch)}), outcomes
            while client.get("/healthz").json()["queue_depth"]:
                time.sleep(0.02)
            return accept, time.perf_counter() - started
    finally:
        stop(process)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--latency-leads", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="200 leads, 50 for latency")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.leads, opts.latency_leads = 200, 50

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sim_process, sim = start(
            ["keapsim.cli", "serve", "--port", "0", "--json", "--throttle", "off"], work
        )
        try:
            flow = write_flow(work / "flow.yaml", sim)
            with Connector(load_config(flow)) as connector:

                def direct(lead: dict[str, str]) -> str:
                    return connector.deliver(lead).outcome.value

                rows = []
                wall, outcomes, _ = timed_pool(direct, leads("direct", opts.leads), opts.threads)
                rows.append(("direct (Connector.deliver)", opts.leads / wall, outcomes))
                wall, outcomes, _ = run_serve_sync(
                    flow, work, leads("sync", opts.leads), opts.threads
                )
                rows.append(("serve sync", opts.leads / wall, outcomes))
                accept, total = run_serve_queue(
                    flow, work, leads("queue", opts.leads), opts.threads
                )
                rows.append(("serve queue: accepted", opts.leads / accept, None))
                rows.append(("serve queue: delivered", opts.leads / total, None))

                n = opts.latency_leads
                _, _, direct_lat = timed_pool(direct, leads("lat-direct", n), 1)
                _, _, serve_lat = run_serve_sync(flow, work, leads("lat-sync", n), 1)
        finally:
            stop(sim_process)

    print(f"\nThroughput: {opts.leads} leads, {opts.threads} concurrent callers, unthrottled")
    print(f"  {'path':<28} {'leads/s':>9}  outcomes")
    for name, rate, outcomes in rows:
        shown = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) if outcomes else ""
        print(f"  {name:<28} {rate:>9.1f}  {shown}")
    direct_ms = statistics.mean(direct_lat) * 1000
    serve_ms = statistics.mean(serve_lat) * 1000
    print(f"\nLatency: {n} leads one at a time (mean per lead)")
    print(f"  direct Connector.deliver   {direct_ms:8.2f} ms")
    print(f"  through serve sync         {serve_ms:8.2f} ms")
    print(
        f"  added by serve             {serve_ms - direct_ms:8.2f} ms  "
        f"(ratio serve/direct {serve_ms / direct_ms:.2f})"
    )


if __name__ == "__main__":
    main()
