"""Issue 4's figures for per-test tenants and snapshots on this machine: creating a tenant,
resetting a small one (target: well under a millisecond), and saving/loading state.

    python bench/bench_tenants.py [--rounds 2000]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from keapsim import Simulator
from keapsim.snapshots import dump_state, load_state, parse_document
from keapsim.store import Tenant


def fill_small(tenant: Tenant, contacts: int = 10) -> None:
    """A typical test's worth of data: contacts, tags on them, a campaign with members."""
    tags = [tenant.tags.create(f"tag {i}").id for i in range(3)]
    campaign = tenant.campaigns.create("Welcome", ["Day 1"])
    ids = []
    for i in range(contacts):
        contact = tenant.contacts.create(
            {
                "given_name": f"c{i}",
                "email_addresses": [{"email": f"c{i}@example.com", "field": "EMAIL1"}],
            }
        )
        tenant.tags.apply(contact.id, tags)
        ids.append(contact.id)
    tenant.campaigns.add_to_sequence(campaign.id, campaign.sequences[0].id, ids)


def timed(
    action: Callable[[], None], rounds: int, prepare: Callable[[], None] | None = None
) -> list[float]:
    """Microseconds per call of ``action``; ``prepare`` runs before each, untimed."""
    samples = []
    for _ in range(rounds):
        if prepare is not None:
            prepare()
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def summary(name: str, samples: list[float], unit: str = "us") -> None:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{name:<52} median {statistics.median(ordered):9.1f} {unit}   "
        f"p99 {p99:9.1f} {unit}   n={len(ordered)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    rounds = args.rounds

    sim = Simulator(throttle=False)
    summary("create_tenant (in-process)", timed(lambda: sim.create_tenant(), rounds))

    tenant_id = sim.create_tenant().tenant_id
    tenant = sim.tenant(tenant_id)
    summary(
        "Tenant.reset(), 10 contacts + tags + sequence",
        timed(tenant.reset, rounds, prepare=lambda: fill_small(tenant)),
    )
    summary(
        "sim.reset(tenant_id), same data",
        timed(lambda: sim.reset(tenant_id), rounds, prepare=lambda: fill_small(tenant)),
    )
    admin = Simulator(throttle=False)
    http = admin.client()
    admin_tenant = admin.tenant()
    summary(
        "POST /_keapsim/tenants/<id>/reset (WSGI)",
        timed(
            lambda: http.post(f"{admin.base_url}/_keapsim/tenants/ks001/reset"),
            rounds // 4,
            prepare=lambda: fill_small(admin_tenant),
        ),
    )

    for contacts in (1_000, 10_000):
        snapshot_figures(contacts)


def snapshot_figures(contacts: int, rounds: int = 5) -> None:
    big = Simulator(throttle=False)
    fill_small(big.tenant(), contacts)
    text = json.dumps(dump_state(big))
    dumped = timed(lambda: json.dumps(dump_state(big)), rounds)
    targets: list[Simulator] = []
    loaded = timed(
        lambda: load_state(targets[-1], parse_document(text)),
        rounds,
        prepare=lambda: targets.append(Simulator(default_tenant=False)),
    )
    size = f"{len(text) / 1e6:.1f} MB"
    summary(
        f"snapshot to JSON text, {contacts:,} contacts ({size})", [s / 1000 for s in dumped], "ms"
    )
    summary(f"snapshot from JSON text, {contacts:,} contacts", [s / 1000 for s in loaded], "ms")


if __name__ == "__main__":
    main()
