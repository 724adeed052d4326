"""Issue 15 item 7's figures: what ``--durability log`` costs against the interval mode.

A ``keapsim serve --throttle off --state-file F`` process per mode, driven by
``bench/loadgen.py`` with contact creates (``POST /v1/contacts``), at two concurrencies:

1. **16 callers** (2 processes x 8 threads, keep-alive): the group commit's case, where
   concurrent answers share one fsync;
2. **1 caller**: every create waits for its own fsync (the mode's worst case).

The interval mode saves every 30 s in the background (not during these short runs); the log
mode appends every create to the change log and fsyncs before answering. Printed: creates/s,
p50/p99 latency, and the ratio log / interval of one run (compare ratios, not figures across
runs: the machine is shared). Figures are printed, never asserted.

    python bench/bench_durability.py [--duration 5] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from loadgen import KEY, contact_body, free_port, run, serve_command

MODES = ("interval", "log")
LOADS = {"16 callers": (2, 8), "1 caller": (1, 1)}


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"keapsim serve exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/crm/rest/v1/contacts?limit=1", headers={"X-Keap-API-Key": KEY})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("keapsim serve did not answer within 30 s")


def measure(mode: str, processes: int, threads: int, duration: float, directory: Path) -> dict:
    port = free_port()
    state = directory / f"{mode}-{processes}x{threads}.json"
    command = serve_command(port, "--state-file", str(state), "--durability", mode)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(port, process)
        url = f"http://127.0.0.1:{port}"
        headers = {"X-Keap-API-Key": KEY, "Content-Type": "application/json"}

        def create(n: int) -> tuple[str, str, bytes]:
            return "POST", "/crm/rest/v1/contacts", contact_body(n)

        return run(url, headers, create, duration=duration, processes=processes, threads=threads)
    finally:
        process.terminate()
        process.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--quick", action="store_true", help="1 s per measurement")
    args = parser.parse_args()
    duration = 1.0 if args.quick else args.duration
    print(f"contact creates for {duration:g} s per mode and load (one run)")
    with tempfile.TemporaryDirectory(prefix="keapsim-durability-") as tmp:
        for load, (processes, threads) in LOADS.items():
            results = {
                mode: measure(mode, processes, threads, duration, Path(tmp)) for mode in MODES
            }
            for mode, result in results.items():
                created = result["statuses"].get(201, 0)
                print(
                    f"  {load:<10} {mode:<8} {created / duration:>8.0f} creates/s   "
                    f"p50 {result['p50_ms']:>6.2f} ms   p99 {result['p99_ms']:>6.2f} ms   "
                    f"statuses {result['statuses']}"
                )
            ratio = results["log"]["statuses"].get(201, 0) / max(
                1, results["interval"]["statuses"].get(201, 0)
            )
            print(f"  {load:<10} log / interval throughput ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
