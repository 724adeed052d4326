"""The dashboard at ``/_keapsim/ui``: tenants, contacts with their tags and sequences, every
store's records (``/_keapsim/ui/records/<store>``), the outbox (emails keapsim "sent"), the live
request journal, fault rules and the clock, for a QA engineer in a browser.

Server-rendered (Jinja2): each panel is a template that the page includes and that
``/_keapsim/ui/panels/<name>`` serves alone, so the page's script refreshes a panel by fetching
its HTML again; actions (add or remove a fault rule, advance the clock, reset a tenant) are
``fetch`` calls to the admin JSON API. Everything is served locally (no CDN).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import Response, render_template, request

from ..context import current_simulator
from ..gateway.canned import CANNED
from ..store import NotFound
from ..store.payments import CHARGE_SOURCES, DECLINE_MESSAGES
from . import admin_error, blueprint
from .records import PAGE_SIZE, columns_of, display_name, newest_records, row_cells, store_rows

if TYPE_CHECKING:
    from ..simulator import Simulator
    from ..store import Tenant

CONTACTS_SHOWN = 200
JOURNAL_SHOWN = 50
OUTBOX_SHOWN = 50


def _sim() -> Simulator:
    return current_simulator()


def _selected_tenant(sim: Simulator) -> Tenant | None:
    wanted = request.args.get("tenant")
    if wanted:
        return sim.tenants.get(wanted)
    if sim.default_tenant is not None and sim.default_tenant.tenant_id in sim.tenants:
        return sim.tenants[sim.default_tenant.tenant_id]
    return next(iter(sim.tenants.values()), None)


def _sequence_label(tenant: Tenant, campaign_id: int, sequence_id: int) -> str:
    try:
        campaign = tenant.campaigns.get(campaign_id)
        return f"{campaign.name} / {tenant.campaigns.sequence(campaign_id, sequence_id).name}"
    except NotFound:  # a membership outliving its campaign: show the ids
        return f"{campaign_id} / {sequence_id}"


def _contact_rows(tenant: Tenant) -> list[dict[str, Any]]:
    with tenant.lock:
        return [
            {
                "id": contact.id,
                "name": " ".join(n for n in (contact.given_name, contact.family_name) if n),
                "emails": contact.emails,
                "tags": [tag.name for tag, _ in tenant.tags.of_contact(contact.id)],
                "sequences": [
                    _sequence_label(tenant, campaign_id, sequence_id)
                    for campaign_id, sequence_id in tenant.campaigns.sequences_of(contact.id)
                ],
                "last_updated": contact.last_updated,
            }
            for contact in tenant.contacts.select()[:CONTACTS_SHOWN]
        ]


def _clock_panel(sim: Simulator) -> dict[str, Any]:
    return {"clock": sim.clock.to_dict()}


def _tenants_panel(sim: Simulator) -> dict[str, Any]:
    return {"tenants": list(sim.tenants.values()), "tenant": _selected_tenant(sim)}


def _contacts_panel(sim: Simulator) -> dict[str, Any]:
    tenant = _selected_tenant(sim)
    return {
        "tenant": tenant,
        "contacts": _contact_rows(tenant) if tenant else [],
        "contact_count": len(tenant.contacts) if tenant else 0,
        "contacts_shown": CONTACTS_SHOWN,
    }


def _outbox_panel(sim: Simulator) -> dict[str, Any]:
    """The newest emails keapsim "sent" (never delivered) and the counts of the tenant's
    tasks, appointments and email records."""
    tenant = _selected_tenant(sim)
    outbox = tenant.emails.outbox() if tenant else []
    return {
        "tenant": tenant,
        "outbox": list(reversed(outbox[-OUTBOX_SHOWN:])),
        "outbox_count": len(outbox),
        "task_count": len(tenant.tasks) if tenant else 0,
        "appointment_count": len(tenant.appointments) if tenant else 0,
        "email_count": len(tenant.emails) if tenant else 0,
    }


def _records_panel(sim: Simulator) -> dict[str, Any]:
    tenant = _selected_tenant(sim)
    return {"tenant": tenant, "record_stores": store_rows(tenant) if tenant else []}


def _faults_panel(sim: Simulator) -> dict[str, Any]:
    return {
        "faults": [rule.to_dict() for rule in sim.faults.list()],
        "canned": sorted(CANNED),
        "decline_codes": sorted(DECLINE_MESSAGES),
        "charge_sources": CHARGE_SOURCES,
        "tenants": list(sim.tenants.values()),
    }


def _journal_panel(sim: Simulator) -> dict[str, Any]:
    return {
        "journal": list(reversed(sim.journal.find(limit=JOURNAL_SHOWN))),
        "journal_size": len(sim.journal),
        "journal_shown": JOURNAL_SHOWN,
    }


PANELS: dict[str, Callable[[Simulator], dict[str, Any]]] = {
    "clock": _clock_panel,
    "tenants": _tenants_panel,
    "contacts": _contacts_panel,
    "records": _records_panel,
    "outbox": _outbox_panel,
    "faults": _faults_panel,
    "journal": _journal_panel,
}


@blueprint.app_template_filter("keapsim_time")
def _format_time(value: float | datetime | None) -> str:
    if value is None:
        return ""
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, tz=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@blueprint.get("/ui")
def dashboard() -> str:
    sim = _sim()
    context: dict[str, Any] = {}
    for build in PANELS.values():
        context.update(build(sim))
    return render_template("dashboard.html", panels=list(PANELS), **context)


@blueprint.get("/ui/panels/<name>")
def panel(name: str) -> str | Response:
    if name not in PANELS:
        return admin_error(f"no panel {name!r}; panels are {', '.join(PANELS)}", 404)
    return render_template(f"dashboard_{name}.html", **PANELS[name](_sim()))


@blueprint.get("/ui/records/<store_name>")
def records_page(store_name: str) -> str | Response:
    """The newest records of one store of the selected tenant, :data:`PAGE_SIZE` a page."""
    tenant = _selected_tenant(_sim())
    if tenant is None:
        return admin_error(f"no tenant {request.args.get('tenant', '')!r}", 404)
    if store_name not in tenant.stores:
        return admin_error(f"no store {store_name!r}; stores are {', '.join(tenant.stores)}", 404)
    raw_page = request.args.get("page", "1")
    if not (raw_page.isascii() and raw_page.isdigit()) or int(raw_page) < 1:
        return admin_error(f"page must be a whole number from 1, not {raw_page!r}")
    page = int(raw_page)
    store = tenant.stores[store_name]
    columns = columns_of(store.record_type)
    records = newest_records(store, page)
    offset = (page - 1) * PAGE_SIZE
    return render_template(
        "dashboard_records_store.html",
        tenant=tenant,
        store_name=store_name,
        label=display_name(store_name),
        columns=columns,
        rows=[{"id": r.id, "cells": row_cells(r, columns)} for r in records],
        total=len(store),
        page=page,
        first=offset + 1 if records else 0,
        last=offset + len(records),
        has_next=offset + len(records) < len(store),
    )
