"""REST hook figures for this machine: deliveries per second to a receiver on a loopback port
(and to an in-process receiver, for comparison), and what subscriptions add to each write.

    python bench/bench_hooks.py [--deliveries 1000] [--writes 3000] [--quick]

- deliveries/s: ``--deliveries`` subscriptions to contact.add, one contact created, one
  ``flush()`` posting every delivery (each one POST with one object) to an http.server
  receiver on 127.0.0.1 (keep-alive), then to a :class:`keapsim.hooks.HookReceiver`;
- cost per write: ``--writes`` contact edits through the in-process v1 API, and straight on the
  store, with no subscription and with 10 Verified ones to contact.edit (Keap's timing, so
  nothing is posted while measuring: the figure is what filing a change costs). The two take
  turns in blocks and the fastest block of each counts; the ratio (10 subscriptions / none)
  comes from one run. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from keapsim import Simulator
from keapsim.config import TenantSettings
from keapsim.hooks import HookReceiver

EMAIL = {"email_addresses": [{"email": "bench@example.com", "field": "EMAIL1"}]}


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a production receiver would
    count = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Receiver.count += 1
        self.send_response(200)
        secret = self.headers.get("X-Hook-Secret")
        if secret:
            self.send_header("X-Hook-Secret", secret)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def simulator(delay: str) -> Simulator:
    sim = Simulator(settings=TenantSettings(throttle=False, hooks={"delay": delay}))
    sim.journal.enabled = False  # measure the hooks, not the journal
    return sim


def deliveries_per_second(count: int, url: str, sim: Simulator) -> float:
    tenant = sim.tenant()
    for _ in range(count):
        subscription = sim.hooks.subscribe(tenant, "contact.add", url)
        assert str(subscription.status) == "Verified"
    tenant.contacts.create(EMAIL)
    start = time.perf_counter()
    posts = sim.hooks.flush()
    elapsed = time.perf_counter() - start
    assert posts == count, posts
    sim.hooks.stop()
    return count / elapsed


def loopback_deliveries(count: int) -> float:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        return deliveries_per_second(count, url, simulator("immediate"))
    finally:
        server.shutdown()
        server.server_close()


def in_process_deliveries(count: int) -> float:
    sim = simulator("immediate")
    receiver = HookReceiver()
    sim.hooks.deliver_to(transport=receiver)
    return deliveries_per_second(count, receiver.url, sim)


class Writer:
    """A simulator whose default tenant has ``subscriptions`` Verified subscriptions to
    contact.edit (Keap's timing: nothing is posted while measuring) and one contact to edit."""

    def __init__(self, subscriptions: int) -> None:
        self.sim = simulator("keap")
        receiver = HookReceiver()
        self.sim.hooks.deliver_to(transport=receiver)
        self.tenant = self.sim.tenant()
        for _ in range(subscriptions):
            self.sim.hooks.subscribe(self.tenant, "contact.edit", receiver.url)
        self.contact_id = self.tenant.contacts.create(EMAIL).id
        self.client = self.sim.client()
        self.count = 0

    def api_block(self, writes: int) -> float:
        """Seconds per write over ``writes`` v1 PATCHes."""
        start = time.perf_counter()
        for _ in range(writes):
            self.count += 1
            self.client.patch(
                f"/v1/contacts/{self.contact_id}", json={"given_name": f"N{self.count}"}
            )
        return (time.perf_counter() - start) / writes

    def store_block(self, writes: int) -> float:
        """Seconds per write over ``writes`` store updates."""
        start = time.perf_counter()
        for _ in range(writes):
            self.count += 1
            self.tenant.contacts.update(self.contact_id, {"given_name": f"S{self.count}"})
        return (time.perf_counter() - start) / writes


def write_costs(writes: int, rounds: int = 30) -> dict[str, tuple[float, float]]:
    """Seconds per write (none, 10 subscriptions), for the v1 API and the store. The two
    simulators take turns in small blocks and each keeps its fastest block, so that what other
    processes do to a shared machine falls on both alike."""
    none, ten = Writer(0), Writer(10)
    block = max(1, writes // rounds)
    for writer in (none, ten):  # warm up
        writer.api_block(block)
    api: tuple[list[float], list[float]] = ([], [])
    store: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for index, writer in enumerate((none, ten)):
            api[index].append(writer.api_block(block))
            store[index].append(writer.store_block(block))
    return {
        "api": (min(api[0]), min(api[1])),
        "store": (min(store[0]), min(store[1])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=3000)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    args = parser.parse_args()
    deliveries, writes = (100, 300) if args.quick else (args.deliveries, args.writes)

    loopback = loopback_deliveries(deliveries)
    in_process = in_process_deliveries(deliveries)
    print(f"deliveries/s, loopback receiver (http.server): {loopback:,.0f}")
    print(f"deliveries/s, in-process HookReceiver:        {in_process:,.0f}")

    costs = write_costs(writes)
    for name, label in (("api", "v1 PATCH"), ("store", "store update")):
        none, ten = costs[name]
        print(
            f"{label} per write: {none * 1e6:,.1f} us without subscriptions, "
            f"{ten * 1e6:,.1f} us with 10 (ratio {ten / none:.2f})"
        )


if __name__ == "__main__":
    main()
