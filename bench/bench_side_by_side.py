"""keapsim next to a minimal Flask reference under the same server, from one run (issue 18).

Both servers hold ``--contacts`` seeded contacts (ids 1..N, emails ``c<i>@example.com``) and are
driven by the same load: ``--connections`` keep-alive connections for ``--seconds`` per
operation, throttling off. Operations: GET a random contact by id, POST a new contact, search
by a random seeded email. Printed: requests/s, p50 and p99 per server and operation, the
load average at the start of each measurement, and keapsim's ratios to the reference.

The load generator is ``wrk`` when it is installed (C, event loop: not the bottleneck) and
``bench/loadgen.py`` otherwise. WireMock (``WIREMOCK_JAR`` or ``wiremock`` on PATH, static
stubs) and Prism (``prism`` on PATH, mocking the v1 document) join the run when installed;
otherwise a note says they were skipped.

    python bench/bench_side_by_side.py [--seconds 5] [--contacts 25000] [--connections 16]

Targets (issue 18, "Done when", from a 60 s run): p99 <= 20 ms for GET, search and POST;
GET requests/s >= 1.0x the reference (stretch: >= 1.0x Prism). Figures are printed, never
asserted; on a shared machine read them with the load averages printed next to them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from loadgen import KEY, contact_body, free_port, run, serve_command, wrk_figures

OPS = ("get", "post", "search")
P99_TARGET_MS = 20.0

# The reference: a hand-written stub of the three operations, a dict and a lock, under the
# same server and thread count as keapsim (waitress, 16 threads).
REFERENCE = """
import sys, threading
from flask import Flask, abort, jsonify, request
from waitress import serve

app, lock = Flask("reference"), threading.Lock()
count = int(sys.argv[2])
contacts = {i: {"id": i, "given_name": f"Given{i}", "email_addresses":
                [{"email": f"c{i}@example.com", "field": "EMAIL1"}]} for i in range(1, count + 1)}
by_email = {c["email_addresses"][0]["email"]: c for c in contacts.values()}

@app.get("/crm/rest/v1/contacts/<int:cid>")
def get_contact(cid):
    with lock:
        return jsonify(contacts.get(cid) or abort(404))

@app.get("/crm/rest/v1/contacts")
def search():
    with lock:
        found = by_email.get(request.args.get("email", ""))
    return jsonify({"contacts": [found] if found else [], "count": int(bool(found))})

@app.post("/crm/rest/v1/contacts")
def create():
    with lock:
        record = {**request.get_json(), "id": len(contacts) + 1}
        contacts[record["id"]] = record
    return jsonify(record), 201

serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=16, connection_limit=1000, _quiet=True)
"""

WRK_SCRIPT = """
local contacts = %(contacts)d
local prefix = "%(prefix)s"
local made = 0
function setup(thread)
  made = made + 1
  thread:set("tid", made)
end
local counter = 0
request = function()
  counter = counter + 1
  local op = "%(op)s"
  if op == "get" then
    return wrk.format("GET", prefix .. "/contacts/" .. math.random(1, contacts))
  elseif op == "search" then
    local email = "c" .. math.random(1, contacts) .. "@example.com"
    return wrk.format("GET", prefix .. "/contacts?email=" .. email)
  end
  local n = tid * 100000000 + counter
  local body = '{"given_name":"Load' .. n .. '","email_addresses":[{"email":"load' .. n ..
    '@example.com","field":"EMAIL1"}]}'
  return wrk.format("POST", prefix .. "/contacts", nil, body)
end
"""


@dataclass
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    load: float


@dataclass
class Server:
    name: str
    base: str
    process: subprocess.Popen[bytes]
    # Where the v1 contact paths live (Prism serves the document's paths without a prefix).
    prefix: str = "/crm/rest/v1"


def wait_until_answering(port: int, path: str, deadline: float = 60.0) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers={"X-Keap-API-Key": KEY})
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port}")


def seed_over_http(port: int, contacts: int) -> None:
    """``contacts`` contacts (ids 1..N, emails ``c<i>@example.com``) created through the API on
    one keep-alive connection. The state document of 25,000 contacts (20 MiB) is over the
    10 MiB request-body cap of ``PUT /_keapsim/state``, and ``--state-file`` would save the
    whole state every few seconds while the benchmark runs."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "X-Keap-API-Key": KEY}
    for i in range(1, contacts + 1):
        body = {
            "given_name": f"Given{i}",
            "email_addresses": [{"email": f"c{i}@example.com", "field": "EMAIL1"}],
        }
        conn.request("POST", "/crm/rest/v1/contacts", body=json.dumps(body), headers=headers)
        answer = conn.getresponse()
        created = json.loads(answer.read())
        if answer.status != 201 or created.get("id") != i:
            raise RuntimeError(f"seeding contact {i} failed: {answer.status} {created!r}")
    conn.close()


def start_keapsim(contacts: int) -> Server:
    port = free_port()
    process = subprocess.Popen(serve_command(port), stdout=subprocess.DEVNULL)
    try:
        wait_until_answering(port, "/crm/rest/v1/contacts?limit=1")
        seed_over_http(port, contacts)
    except BaseException:
        process.terminate()
        raise
    return Server("keapsim", f"http://127.0.0.1:{port}", process)


def start_reference(contacts: int, workdir: Path) -> Server:
    script = workdir / "reference.py"
    script.write_text(textwrap.dedent(REFERENCE))
    port = free_port()
    # stderr: its waitress's queue-depth warnings (keapsim logs them at debug level).
    command = [sys.executable, str(script), str(port), str(contacts)]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    wait_until_answering(port, "/crm/rest/v1/contacts/1")
    return Server("flask-ref", f"http://127.0.0.1:{port}", process)


def start_optional(workdir: Path) -> list[Server]:
    """WireMock and Prism when installed (stateless: GET and search answer canned bodies)."""
    started = []
    jar = os.environ.get("WIREMOCK_JAR")
    wiremock = [sys_java(), "-jar", jar] if jar else [shutil.which("wiremock") or ""]
    if wiremock[-1]:
        port = free_port()
        write_wiremock_stubs(workdir / "wiremock")
        command = [*wiremock, "--port", str(port), "--root-dir", str(workdir / "wiremock")]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_until_answering(port, "/crm/rest/v1/contacts/1")
        started.append(Server("wiremock", f"http://127.0.0.1:{port}", process))
    else:
        print("note: WireMock not installed (set WIREMOCK_JAR or put wiremock on PATH); skipped")
    prism = shutil.which("prism")
    if prism:
        port = free_port()
        spec = Path(__file__).parent.parent / "keapsim/specs/2025-11-05-v1.json"
        process = subprocess.Popen(
            [prism, "mock", str(spec), "--port", str(port)], stdout=subprocess.DEVNULL
        )
        wait_until_answering(port, "/contacts/1")
        started.append(Server("prism", f"http://127.0.0.1:{port}", process, prefix=""))
    else:
        print("note: Prism not installed (`prism` not on PATH); skipped")
    return started


def sys_java() -> str:
    return shutil.which("java") or "java"


def write_wiremock_stubs(root: Path) -> None:
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    contact = {"id": 1, "given_name": "Given1", "email_addresses": []}
    stubs = [
        ("GET", "/crm/rest/v1/contacts/[0-9]+", 200, contact),
        ("GET", "/crm/rest/v1/contacts\\?email=.*", 200, {"contacts": [contact], "count": 1}),
        ("POST", "/crm/rest/v1/contacts", 201, contact),
    ]
    for n, (method, pattern, status, body) in enumerate(stubs):
        stub = {
            "request": {"method": method, "urlPattern": pattern},
            "response": {"status": status, "jsonBody": body},
        }
        (mappings / f"stub{n}.json").write_text(json.dumps(stub))


# -- load ------------------------------------------------------------------------------------
def measure(server: Server, op: str, args: argparse.Namespace, workdir: Path) -> Figures:
    load = os.getloadavg()[0]
    if shutil.which("wrk"):
        return measure_with_wrk(server, op, args, workdir, load)
    headers = {"X-Keap-API-Key": KEY, "Content-Type": "application/json"}
    result = run(
        server.base,
        headers,
        request_maker(op, args.contacts, server.prefix),
        duration=args.seconds,
        processes=2,
        threads=max(1, args.connections // 2),
    )
    errors = sum(n for status, n in result["statuses"].items() if status >= 400)
    return Figures(result["rps"], result["p50_ms"], result["p99_ms"], errors, load)


def request_maker(
    op: str, contacts: int, prefix: str
) -> Callable[[int], tuple[str, str, bytes | None]]:
    def pick(n: int) -> int:  # spread over the seeded ids
        return n * 7919 % contacts + 1

    if op == "get":
        return lambda n: ("GET", f"{prefix}/contacts/{pick(n)}", None)
    if op == "search":
        return lambda n: ("GET", f"{prefix}/contacts?email=c{pick(n)}%40example.com", None)
    return lambda n: ("POST", f"{prefix}/contacts", contact_body(n))


def measure_with_wrk(
    server: Server, op: str, args: argparse.Namespace, workdir: Path, load: float
) -> Figures:
    script = workdir / f"{op}.lua"
    script.write_text(WRK_SCRIPT % {"contacts": args.contacts, "op": op, "prefix": server.prefix})
    command = [
        "wrk",
        "-t2",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        "--latency",
        "-s",
        str(script),
        "-H",
        f"X-Keap-API-Key: {KEY}",
        "-H",
        "Content-Type: application/json",
        server.base,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output, load)


def parse_wrk(output: str, load: float) -> Figures:
    found = wrk_figures(output)
    return Figures(found["rps"], found["p50_ms"], found["p99_ms"], found["errors"], load)


# -- report ----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="per operation (issue: 60)")
    parser.add_argument("--contacts", type=int, default=25_000)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    generator = "wrk -t2" if shutil.which("wrk") else "bench/loadgen.py (2 processes)"
    print(
        f"{args.contacts:,} contacts, {args.connections} connections, {args.seconds} s per "
        f"operation, throttle off, load from {generator}; {os.cpu_count()} cores"
    )
    results: dict[tuple[str, str], Figures] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        servers = [start_keapsim(args.contacts)]
        try:
            servers += [start_reference(args.contacts, workdir)]
            servers += start_optional(workdir)
            print(f"{'server':<10} {'op':<7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
                  f"{'errors':>7} {'load':>5}")  # fmt: skip
            for op in OPS:  # operations outside, servers inside: a busy spell hits both
                for server in servers:
                    figures = measure(server, op, args, workdir)
                    results[server.name, op] = figures
                    print(
                        f"{server.name:<10} {op:<7} {figures.rps:>9.1f} {figures.p50_ms:>8.2f} "
                        f"{figures.p99_ms:>8.2f} {figures.errors:>7} {figures.load:>5.2f}"
                    )
        finally:
            for server in servers:
                server.process.terminate()
                server.process.wait(timeout=20)
    print_ratios(results, [s.name for s in servers])


def print_ratios(results: dict[tuple[str, str], Figures], names: list[str]) -> None:
    for other in names[1:]:
        ratios = ", ".join(
            f"{op} {results['keapsim', op].rps / results[other, op].rps:.2f}x"
            for op in OPS
            if results[other, op].rps
        )
        print(f"keapsim / {other} requests/s: {ratios}")
    for op in OPS:
        p99 = results["keapsim", op].p99_ms
        verdict = "met" if p99 <= P99_TARGET_MS else "not met"
        print(f"keapsim {op} p99 {p99:.2f} ms (target <= {P99_TARGET_MS:.0f} ms: {verdict})")


if __name__ == "__main__":
    main()
