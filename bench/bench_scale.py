"""Issue 18's scale figures for the store: list requests at N contacts against the same request
at 1k (one run, one process), concurrent GET-by-id while a client pages the list, RSS per
contact, load rate, full-collection pause, and what a reset gives back.

    python bench/bench_scale.py                      # 20k contacts: quick, while iterating
    python bench/bench_scale.py --contacts 100000
    python bench/bench_scale.py --contacts 1000000   # the 1M run (~2.5 GiB peak, a few minutes)

Targets (issue 18, at 1M): each list ratio within 3x of 1k; GET-by-id while paging >= 0.8x
of GET alone; RSS <= 1.2 GiB; load >= 150k contacts/s; a reset frees the memory. Figures are
printed, never asserted. The machine is shared: run it when the load average is low and read
ratios (measured side by side in one run) rather than absolute numbers.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from loadgen import KEY, run, run_wrk, wrk_command, wrk_figures

from keapsim import Simulator
from keapsim.api.paging import encode_token
from keapsim.server import SimulatorServer
from keapsim.simulator import TenantCredentials
from keapsim.snapshots.codec import from_json, to_json
from keapsim.store import Tenant
from keapsim.store.memory import apply_gc_policy, bulk_load
from keapsim.store.models import EMPTY_DICT, EMPTY_LIST, Contact, item_of

BASELINE = 1000
MARKED = 10  # contacts whose email starts with the prefix the filter asks for
PREFIX = "zz-marked"


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def records(count: int, start: datetime) -> list[Contact]:
    """``count`` contacts as the store keeps them (one email, one phone, two names)."""
    made = []
    for i in range(1, count + 1):
        marked = i % (count // MARKED) == 0
        email = f"{PREFIX}{i}@example.com" if marked else f"p{i}@ex{i % 97}.com"
        moment = start + timedelta(seconds=i)
        made.append(
            Contact(
                id=i,
                date_created=moment,
                last_updated=moment,
                given_name=f"Given{i % 4999}",
                family_name=f"Family{i % 7001}",
                email_addresses=[item_of({"email": email, "field": "EMAIL1"})],
                phone_numbers=[item_of({"number": f"+1415555{i % 10000:04d}", "field": "PHONE1"})],
                fax_numbers=EMPTY_LIST,
                addresses=EMPTY_LIST,
                social_accounts=EMPTY_LIST,
                custom_fields=EMPTY_DICT,
            )
        )
    return made


def load(tenant: Tenant, count: int) -> tuple[float, float]:
    """Bulk-load ``count`` contacts; returns contacts per second of the store's load, by the
    wall clock and per CPU-second of this process (records built beforehand: this is the
    loader path seeding and snapshots use). On a shared machine the CPU rate is the steadier
    one: other processes take wall time, not this process's CPU time."""
    made = records(count, datetime(2025, 1, 1, tzinfo=UTC))
    started, cpu = time.perf_counter(), time.process_time()
    with bulk_load():
        tenant.contacts.load(made)
        tenant.restore_next_ids({**tenant.next_ids, "contact": count + 1})
    return count / (time.perf_counter() - started), count / (time.process_time() - cpu)


def document_load_rate(tenant: Tenant, sample: int) -> float:
    """Contacts/s of the state-document path: decode JSON records, then load them."""
    raw = [to_json(c) for c in tenant.contacts.select()[:sample]]
    scratch = Tenant("scratch", tenant.core.now)
    started = time.perf_counter()
    with bulk_load():
        scratch.contacts.load([from_json(Contact, r) for r in raw])
    rate = len(raw) / (time.perf_counter() - started)
    scratch.discard()
    return rate


def median_seconds(call: Callable[[], object], repeat: int) -> float:
    call()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def list_requests(count: int) -> dict[str, tuple[str, dict[str, str]]]:
    deep = int(count * 0.9)
    return {
        "v1 page of 10, offset 0": ("/v1/contacts", {"limit": "10"}),
        "v1 page of 10, offset 90%": ("/v1/contacts", {"limit": "10", "offset": str(deep)}),
        "v1 order=email DESCENDING": (
            "/v1/contacts",
            {"limit": "10", "order": "email", "order_direction": "DESCENDING"},
        ),
        "v2 page by token (90%)": (
            "/v2/contacts",
            {"page_size": "10", "page_token": encode_token(deep)},
        ),
        "v2 email prefix filter": ("/v2/contacts", {"filter": f"email=={PREFIX}*"}),
        "v2 order_by=email desc": ("/v2/contacts", {"page_size": "10", "order_by": "email desc"}),
        "v2 exact email": ("/v2/contacts", {"filter": "email==p7@ex7.com"}),
    }


def ratios(
    sim: Simulator, big: TenantCredentials, small: TenantCredentials, count: int, repeat: int
) -> None:
    clients = {"big": sim.client(big), "small": sim.client(small)}
    print(f"\nlist requests: median of {repeat}, {count:,} contacts vs {BASELINE:,}")
    big_requests, small_requests = list_requests(count), list_requests(BASELINE)
    for label, (path, params) in big_requests.items():
        small_path, small_params = small_requests[label]

        def at(client_name: str, p: str, q: dict[str, str]) -> Callable[[], object]:
            client = clients[client_name]
            return lambda: client.get(p, params=q).raise_for_status()

        large = median_seconds(at("big", path, params), repeat)
        little = median_seconds(at("small", small_path, small_params), repeat)
        print(
            f"  {label:28} {large * 1000:8.2f} ms vs {little * 1000:6.2f} ms"
            f"  ratio {large / little:5.2f}"
        )


GET_BY_ID_LUA = """
request = function()
  return wrk.format("GET", "/crm/rest/v1/contacts/" .. math.random(1, %(count)d))
end
"""
PAGE_LUA = """
request = function()
  return wrk.format("GET", "/crm/rest/v1/contacts?limit=10&offset=" .. math.random(0, %(last)d))
end
"""


def concurrency(sim: Simulator, creds: TenantCredentials, count: int, duration: float) -> None:
    """GET-by-id from 8 connections, alone and while one more client pages the list. With
    ``wrk`` installed both loads are wrk's (C, an event loop): the Python load generator's own
    CPU competes with the server on a small machine, and a second client process would take
    CPU from the server rather than show how the server shares it."""
    with SimulatorServer(sim, threads=8) as server:
        headers = {"X-Keap-API-Key": creds.api_key}
        if shutil.which("wrk"):
            alone, together, pages = _with_wrk(server.url, headers, count, duration)
            tool = "wrk"
        else:
            alone, together, pages = _with_loadgen(server.url, headers, count, duration)
            tool = "bench/loadgen.py"
    print(f"\nserver mode (waitress, 8 threads), {duration:.0f} s each, {count:,} contacts, {tool}")
    print(f"  GET by id alone          {alone['rps']:8.1f} rps  p99 {alone['p99_ms']} ms")
    print(
        f"  GET by id while paging   {together['rps']:8.1f} rps  p99 {together['p99_ms']} ms"
        f"  ratio {together['rps'] / alone['rps']:.2f}  (pager: {pages['rps']:.1f} pages/s)"
    )


def _with_wrk(
    base: str, headers: dict[str, str], count: int, duration: float
) -> tuple[dict, dict, dict]:
    with tempfile.TemporaryDirectory() as work:
        gets, pages = Path(work, "get.lua"), Path(work, "page.lua")
        gets.write_text(GET_BY_ID_LUA % {"count": count})
        pages.write_text(PAGE_LUA % {"last": max(0, count - 10)})
        get_command = wrk_command(base, str(gets), 8, duration, headers)
        alone = wrk_figures(run_wrk(get_command).communicate()[0])
        pager = run_wrk(wrk_command(base, str(pages), 1, duration, headers))
        together = wrk_figures(run_wrk(get_command).communicate()[0])
        paged = wrk_figures(pager.communicate()[0])
    return alone, together, paged


def _with_loadgen(
    base: str, headers: dict[str, str], count: int, duration: float
) -> tuple[dict, dict, dict]:
    def get_by_id(n: int) -> tuple[str, str, None]:
        return "GET", f"/crm/rest/v1/contacts/{(n * 7919) % count + 1}", None

    def page(n: int) -> tuple[str, str, None]:
        offset = (n * 104729) % max(1, count - 10)
        return "GET", f"/crm/rest/v1/contacts?limit=10&offset={offset}", None

    alone = run(base, headers, get_by_id, duration=duration, processes=1, threads=8)
    paged: dict[str, dict] = {}
    pager = threading.Thread(
        target=lambda: paged.update(
            result=run(base, headers, page, duration=duration, processes=1, threads=1)
        )
    )
    pager.start()
    together = run(base, headers, get_by_id, duration=duration, processes=1, threads=8)
    pager.join()
    return alone, together, paged["result"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    count = args.contacts

    apply_gc_policy()  # as a server does (keapsim/store/memory.py)
    # waitress logs "Task queue depth" whenever the 8 threads are all busy: a closed-loop
    # benchmark keeps them busy on purpose.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    sim = Simulator(throttle=False, api_key=KEY, journal=False)
    small = sim.create_tenant(name="baseline", throttle=False)
    load(sim.tenant(small.tenant_id), BASELINE)
    big = sim.create_tenant(name="big", throttle=False)
    tenant = sim.tenant(big.tenant_id)
    gc.collect()
    before = rss()
    rate, cpu_rate = load(tenant, count)
    gc.collect()
    after = rss()
    print(f"{count:,} contacts, load average {os.getloadavg()[0]:.2f}")
    print(f"  bulk load                {rate:12,.0f} contacts/s ({cpu_rate:,.0f} per CPU-second)")
    print(f"  RSS                      {after / 2**30:12.2f} GiB in all")
    print(f"  RSS per contact          {(after - before) / count:12,.0f} B")
    tracked, frozen = len(gc.get_objects()), gc.get_freeze_count()
    print(f"  tracked objects          {tracked:12,} not frozen, {frozen:,} frozen")
    started = time.perf_counter()
    gc.collect()
    print(f"  full collection          {(time.perf_counter() - started) * 1000:12,.1f} ms (frozen)")
    gc.unfreeze()  # what a full collection would cost without the policy's freeze
    started = time.perf_counter()
    gc.collect()
    print(
        f"  full collection          {(time.perf_counter() - started) * 1000:12,.1f} ms (unfrozen)"
    )
    gc.freeze()
    sample = min(count, 100_000)
    document_rate = document_load_rate(tenant, sample)
    print(
        f"  state-document load      {document_rate:12,.0f} contacts/s ({sample:,}: decode + load)"
    )

    ratios(sim, big, small, count, args.repeat)
    concurrency(sim, big, count, args.duration)

    peak = rss()
    sim.reset(big.tenant_id)
    gc.collect()
    print(
        f"\nreset: RSS {peak / 2**30:.2f} GiB -> {rss() / 2**30:.2f} GiB"
        f" (before loading: {before / 2**30:.2f} GiB)"
    )


if __name__ == "__main__":
    main()
