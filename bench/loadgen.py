"""A small closed-loop HTTP load generator for loopback benchmarks (keep-alive, threads in
several processes), so that benchmarks need nothing outside the project's dependencies."""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

Request = tuple[str, str, bytes | None]  # method, path, body

#: The API key the benchmarked servers are started with.
KEY = "bench-key"


def wrk_figures(output: str) -> dict:
    """Requests/s, p50/p99 (ms) and non-2xx answers from the output of ``wrk --latency``."""

    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if match is None:
            raise ValueError(f"no {percent}% line in wrk's output:\n{output}")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]
        return round(float(match[1]) * scale, 2)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    if socket_errors:
        print(f"   wrk: {socket_errors[0]}")
    return {
        "rps": float(rps[1]) if rps else 0.0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": int(errors[1]) if errors else 0,
    }


def wrk_command(url: str, lua: str, connections: int, seconds: float, headers: dict) -> list[str]:
    """``wrk`` on ``url`` with the Lua script file ``lua`` (one wrk thread per 8 connections),
    or an empty list when wrk is not installed."""
    if shutil.which("wrk") is None:
        return []
    threads = max(1, min(2, connections // 8))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:.0f}s", "--latency"]
    command += ["-s", lua]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


def run_wrk(command: list[str]) -> subprocess.Popen[str]:
    """Start a ``wrk_command``; read its figures with ``wrk_figures(process.communicate()[0])``."""
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(port: int, *extra: str) -> list[str]:
    """``keapsim serve`` on ``port`` with the bench key and no throttling, plus ``extra``."""
    return [
        sys.executable,
        "-m",
        "keapsim.cli",
        "serve",
        "--port",
        str(port),
        "--api-key",
        KEY,
        "--throttle",
        "off",
        *extra,
    ]


def _worker(
    url: str,
    headers: dict,
    make_request: Callable[[int], Request],
    duration: float,
    threads: int,
    offset: int,
    queue: mp.Queue,
) -> None:
    parts = urlsplit(url)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + duration

    def loop(index: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine: list[float] = []
        counts: dict[int, int] = {}
        n = 0
        while time.perf_counter() < stop_at:
            method, path, body = make_request(offset + index * 1_000_000 + n)
            n += 1
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            counts[response.status] = counts.get(response.status, 0) + 1
        conn.close()
        with lock:
            latencies.extend(mine)
            for k, v in counts.items():
                statuses[k] = statuses.get(k, 0) + v

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    queue.put((latencies, statuses))


def run(
    url: str,
    headers: dict,
    make_request: Callable[[int], Request],
    *,
    duration: float = 5.0,
    processes: int = 2,
    threads: int = 8,
) -> dict:
    """Drive ``url`` for ``duration`` seconds; returns requests/s, p50/p99 (ms), statuses."""
    queue: mp.Queue = mp.get_context("fork").Queue()
    procs = [
        mp.get_context("fork").Process(
            target=_worker, args=(url, headers, make_request, duration, threads, p * 10**8, queue)
        )
        for p in range(processes)
    ]
    for p in procs:
        p.start()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    for _ in procs:
        lat, st = queue.get()
        latencies.extend(lat)
        for k, v in st.items():
            statuses[k] = statuses.get(k, 0) + v
    for p in procs:
        p.join()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 100 else [0.0] * 99
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / duration, 1),
        "p50_ms": round(q[49] * 1000, 2),
        "p99_ms": round(q[98] * 1000, 2),
        "statuses": statuses,
    }


def contact_body(n: int) -> bytes:
    return json.dumps(
        {
            "given_name": f"Load{n}",
            "email_addresses": [{"email": f"load{n}@example.com", "field": "EMAIL1"}],
        }
    ).encode()
