"""Which server runs keapsim best on this machine? waitress, gunicorn (gthread) and granian,
each one process (state is in memory), driven by the same loopback load.

    python bench/server_candidates.py [--duration 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

import httpx
from loadgen import KEY, contact_body, free_port, run, serve_command


def commands(port: int, threads: int) -> dict[str, list[str]]:
    bin_dir = os.path.dirname(sys.executable)
    found = {
        "waitress": serve_command(port, "--threads", str(threads)),
        "gunicorn-gthread": [
            os.path.join(bin_dir, "gunicorn"),
            "-w",
            "1",
            "-k",
            "gthread",
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "keapsim.wsgi:app",
        ],
        "granian": [
            os.path.join(bin_dir, "granian"),
            "--interface",
            "wsgi",
            "--workers",
            "1",
            "--blocking-threads",
            str(threads),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "keapsim.wsgi:app",
        ],
    }
    return {k: v for k, v in found.items() if os.path.exists(v[0]) or shutil.which(v[0])}


def wait_ready(url: str, deadline: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        try:
            httpx.get(url, headers={"X-Keap-API-Key": KEY}, timeout=1)
            return time.perf_counter() - start
        except httpx.TransportError:
            time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    env = {**os.environ, "KEAPSIM_API_KEY": KEY, "KEAPSIM_THROTTLE": "off"}
    headers = {"X-Keap-API-Key": KEY, "Content-Type": "application/json"}
    print(f"{'server':<18} {'op':<7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, cmd in commands(free_port(), args.threads).items():
        port = (
            int(cmd[cmd.index("--port") + 1])
            if "--port" in cmd
            else int(cmd[cmd.index("-b") + 1].rsplit(":", 1)[1])
        )
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"{base}/crm/rest/v1/contacts?limit=1", time.perf_counter() + 20)
            created = httpx.post(
                f"{base}/crm/rest/v1/contacts", headers=headers, content=contact_body(0)
            ).json()["id"]
            for op, make in (
                ("create", lambda n: ("POST", "/crm/rest/v1/contacts", contact_body(n))),
                ("get", lambda n, cid=created: ("GET", f"/crm/rest/v1/contacts/{cid}", None)),
            ):
                r = run(base, headers, make, duration=args.duration)
                print(
                    f"{name:<18} {op:<7} {r['rps']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8}"
                    f"  {r['statuses']}"
                )
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
