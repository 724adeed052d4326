"""The state document: a tenant's or the whole simulator's state as versioned JSON.

Layout (``format_version`` 1)::

    {"format": "keapsim-state", "format_version": 1, "scope": "simulator" | "tenant",
     "saved_at": "<wall time, ISO 8601>",
     "clock": {"offset_seconds": 0.0, "frozen_at": null, "now": "<simulated time>"},
     "default_tenant": {<TenantCredentials>} | null,          # scope "simulator" only
     "tenants": [{"id", "name", "settings", "next_ids",
                  "contacts", "tag_categories", "tags", "campaigns", "notes", "users",
                  "lead_source_categories", "lead_sources", "custom_fields",   # records,
                                                       # one list per store of the registry
                  "contact_tags": [{"contact_id", "tag_id", "applied"}],
                  "sequence_members": [{"campaign_id", "sequence_id", "contact_id", "added"}],
                  "company_tags": [{"company_id", "tag_id", "applied"}],
                  "hooks": {"next_key", "subscriptions": [{"key", "eventKey", "hookUrl",
                                                           "status", "secret"}]},
                  "credentials": {"apps", "api_keys", "access_tokens", "refresh_tokens",
                                  "codes"}}]}

Records are the store's dataclasses field by field (datetimes as ISO strings). Not saved: fault
rules, the journal, throttle counters and pending hook deliveries (test-time scaffolding and
rolling windows that a resumed session starts afresh). A tenant-scoped document carries the
clock for information only: loading it leaves the shared clock alone.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..config import TENANT_ID_PATTERN, TenantSettings
from ..hooks.models import Subscription
from ..hooks.snapshot import dump_hooks, parse_hooks, restore_hooks
from ..store import Tenant
from ..store.identity import (
    AccessToken,
    ApiKey,
    AuthorizationCode,
    OAuthApp,
    RefreshToken,
    TenantCredentials,
)
from ..store.memory import bulk_load
from .codec import from_json, to_json

if TYPE_CHECKING:
    from ..simulator import Simulator

FORMAT = "keapsim-state"
FORMAT_VERSION = 1

Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}
"""``MIGRATIONS[n]`` turns a version-``n`` document into a version ``n + 1`` one. When the
format changes, bump :data:`FORMAT_VERSION` and register the step from the old version here;
a document older than the oldest registered step is refused with a clear message."""

# Tenant store -> record type; each store's records are saved as a list under its name, and
# its extras (links) under their own keys. Both come from the tenant's registry, so a new
# resource store is saved and loaded without code here.
# RECORD_TABLES (below, module ``__getattr__``): made on first use, since it imports every store
# module, which a process that never saves or loads a state document does not need.
if TYPE_CHECKING:
    RECORD_TABLES: dict[str, type]
# IdentityStore attribute -> (record type, the field it is indexed by).
CREDENTIAL_TABLES: dict[str, tuple[type, str]] = {
    "apps": (OAuthApp, "client_id"),
    "api_keys": (ApiKey, "key"),
    "access_tokens": (AccessToken, "token"),
    "refresh_tokens": (RefreshToken, "token"),
    "codes": (AuthorizationCode, "code"),
}
# The link tables the stores keep besides their records (saved as lists).
LINK_TABLES = ("contact_tags", "sequence_members", "company_tags", "goal_achievements")


class SnapshotError(ValueError):
    """A state document that cannot be loaded; the message says why and what to do."""


# -- dumping ---------------------------------------------------------------------------------
def dump_tenant(
    sim: Simulator, tenant: Tenant, credentials: dict[str, list[Any]] | None = None
) -> dict[str, Any]:
    """One tenant's state, its credentials included (a JSON-ready dict)."""
    with tenant.lock:
        data: dict[str, Any] = {
            "id": tenant.id,
            "name": tenant.name,
            "settings": tenant.settings.model_dump(mode="json"),
            "next_ids": tenant.next_ids,
        }
        for name, store in tenant.stores.items():
            data[name] = [to_json(r) for r in store.values()]
        for store in tenant.stores.values():
            for extra in store.extras():
                data[extra.key] = extra.dump()
    if credentials is None:
        credentials = _credentials_by_tenant(sim).get(tenant.id, {})
    data["credentials"] = {table: credentials.get(table, []) for table in CREDENTIAL_TABLES}
    data["hooks"] = dump_hooks(sim.hooks, tenant.id)
    return data


def _credentials_by_tenant(sim: Simulator) -> dict[str, dict[str, list[Any]]]:
    """Every credential as JSON, grouped by tenant then table (one pass over the store)."""
    grouped: dict[str, dict[str, list[Any]]] = {}
    identity = sim.identity
    with identity.lock:
        for table in CREDENTIAL_TABLES:
            for record in getattr(identity, table).values():
                grouped.setdefault(record.tenant_id, {}).setdefault(table, []).append(
                    to_json(record)
                )
    return grouped


def dump_state(sim: Simulator, tenant_id: str | None = None) -> dict[str, Any]:
    """The whole simulator's state, or one tenant's (``KeyError`` for an unknown tenant)."""
    clock = sim.clock
    frozen_at = clock.time() - clock.offset if clock.frozen else None
    document: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scope": "tenant" if tenant_id else "simulator",
        "saved_at": datetime.fromtimestamp(time.time(), tz=UTC).isoformat(),
        "clock": {
            "offset_seconds": clock.offset,
            "frozen_at": frozen_at,
            "now": clock.now().isoformat(),
        },
    }
    if tenant_id:
        document["tenants"] = [dump_tenant(sim, sim.tenant(tenant_id))]
    else:
        default = sim.default_tenant
        document["default_tenant"] = default.to_dict() if default else None
        credentials = _credentials_by_tenant(sim)
        document["tenants"] = [
            dump_tenant(sim, t, credentials.get(t.id, {})) for t in list(sim.tenants.values())
        ]
    return document


# -- checking and migrating ------------------------------------------------------------------
def parse_document(text: str | bytes, source: str = "the state document") -> dict[str, Any]:
    """Parse and check a document's JSON text (see :func:`check_document`)."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise SnapshotError(f"{source} is not a keapsim state file: nested too deeply") from None
    except UnicodeDecodeError as err:
        raise SnapshotError(
            f"{source} is not a keapsim state file: not UTF-8 text ({err})"
        ) from None
    except json.JSONDecodeError as err:
        raise SnapshotError(
            f"{source} is not a keapsim state file: invalid JSON at line {err.lineno} column "
            f"{err.colno} ({err.msg}); it may be truncated or corrupt"
        ) from None
    except ValueError as err:  # an integer longer than Python converts (4,300 digits)
        raise SnapshotError(f"{source} is not a keapsim state file: {err}") from None
    return check_document(document, source)


def check_document(document: Any, source: str = "the state document") -> dict[str, Any]:
    """The document brought to :data:`FORMAT_VERSION`, or a :class:`SnapshotError`."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SnapshotError(
            f'{source} is not a keapsim state file (no "format": "{FORMAT}" at its top)'
        )
    version = document.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SnapshotError(f"{source} has no integer format_version")
    if version > FORMAT_VERSION:
        raise SnapshotError(
            f"{source} has format version {version}, newer than this keapsim reads "
            f"(up to {FORMAT_VERSION}); upgrade keapsim to load it"
        )
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise SnapshotError(
                f"{source} has format version {version}, which this keapsim no longer reads "
                f"(it reads {FORMAT_VERSION}); load it with an older keapsim and save it again"
            )
        document = step(document)
        version += 1
        document["format_version"] = version
    if document.get("scope") not in ("simulator", "tenant"):
        raise SnapshotError(f'{source}: scope must be "simulator" or "tenant"')
    if not isinstance(document.get("tenants"), list):
        raise SnapshotError(f'{source}: "tenants" must be a list')
    return document


# -- loading ---------------------------------------------------------------------------------
@dataclass
class RestoredTenant:
    tenant: Tenant
    credentials: dict[str, list[Any]]
    hooks: tuple[list[Subscription], int] = ([], 1)


def build_tenant(sim: Simulator, data: Any) -> RestoredTenant:
    """A new Tenant (on ``sim``'s clock) and its credentials from a dumped tenant; touches
    nothing in ``sim``. Raises :class:`SnapshotError` naming what does not fit."""
    tenant_id = data.get("id") if isinstance(data, dict) else None
    where = f"tenant {tenant_id!r}"
    if not isinstance(tenant_id, str) or not tenant_id:
        raise SnapshotError('a tenant has no "id"')
    if not re.fullmatch(TENANT_ID_PATTERN, tenant_id):
        # It becomes a host name and an admin path segment: no "/", CR/LF or spaces.
        raise SnapshotError(f"{where}: a tenant id is one host-name label ({TENANT_ID_PATTERN})")
    from pydantic import ValidationError  # loading a document validates; serving does not

    try:
        settings = TenantSettings.model_validate(data.get("settings") or {})
    except ValidationError as err:
        raise SnapshotError(f"{where}: invalid settings: {err}") from None
    tenant = Tenant(
        tenant_id, sim.clock.now, settings, name=data.get("name"), charge_policy=sim.faults
    )
    try:
        with bulk_load():
            for name, store in tenant.stores.items():
                records: list[Any] = [
                    from_json(store.record_type, raw) for raw in data.get(name, [])
                ]
                # Replace, not merge: a new Tenant already holds its account owner, and the
                # document's users (owner included) are the whole truth.
                store.load(records)
            for store in tenant.stores.values():
                for extra in store.extras():
                    extra.load(data.get(extra.key, []))
        next_ids = data.get("next_ids", {})
        if not isinstance(next_ids, dict) or not all(isinstance(v, int) for v in next_ids.values()):
            raise ValueError("next_ids must map kinds to integers")
        tenant.restore_next_ids(next_ids)
        credentials: dict[str, list[Any]] = {
            table: [
                from_json(record_type, raw)
                for raw in (data.get("credentials") or {}).get(table, [])
            ]
            for table, (record_type, _) in CREDENTIAL_TABLES.items()
        }
        hooks = parse_hooks(data.get("hooks"))
    except (KeyError, TypeError, ValueError) as err:
        detail = f"missing {err}" if isinstance(err, KeyError) else str(err)
        raise SnapshotError(f"{where}: {detail}") from None
    for records in credentials.values():
        for record in records:
            if record.tenant_id != tenant_id:
                raise SnapshotError(f"{where}: a credential belongs to {record.tenant_id!r}")
    return RestoredTenant(tenant, credentials, hooks)


def _install_credentials(sim: Simulator, restored: list[RestoredTenant], replace_all: bool) -> None:
    identity = sim.identity
    replaced = {r.tenant.id for r in restored}
    with identity.lock:
        if not replace_all:
            # A credential is indexed by its secret: one still held by another tenant would be
            # taken over silently.
            for item in restored:
                for table, (_, key_field) in CREDENTIAL_TABLES.items():
                    live = getattr(identity, table)
                    for record in item.credentials[table]:
                        holder = live.get(getattr(record, key_field))
                        if holder is not None and holder.tenant_id not in replaced:
                            raise SnapshotError(
                                f"tenant {item.tenant.id!r}: one of its {table} is in use by "
                                f"tenant {holder.tenant_id!r}; delete that tenant first"
                            )
        for table in CREDENTIAL_TABLES:
            live = getattr(identity, table)
            if replace_all:
                live.clear()
            else:
                for key in [k for k, v in live.items() if v.tenant_id in replaced]:
                    del live[key]
        for item in restored:
            for table, (_, key_field) in CREDENTIAL_TABLES.items():
                live = getattr(identity, table)
                for record in item.credentials[table]:
                    live[getattr(record, key_field)] = record


def load_state(sim: Simulator, document: Any, tenant_id: str | None = None) -> list[str]:
    """Load a state document into ``sim``; returns the ids of the tenants loaded.

    A simulator-scope document replaces every tenant, every credential, the clock offset and
    the default tenant. A tenant-scope document, or any document with ``tenant_id`` (that
    tenant only), replaces those tenants and their credentials and leaves the rest alone.
    Everything is decoded and checked before anything changes.
    """
    document = check_document(document)
    entries = document["tenants"]
    if tenant_id is not None:
        entries = [t for t in entries if isinstance(t, dict) and t.get("id") == tenant_id]
        if not entries:
            raise SnapshotError(f"the state document has no tenant {tenant_id!r}")
    restored = [build_tenant(sim, entry) for entry in entries]
    ids = [r.tenant.id for r in restored]
    if len(set(ids)) != len(ids):
        raise SnapshotError("the state document lists a tenant twice")
    replace_all = document["scope"] == "simulator" and tenant_id is None
    default, offset, frozen_at = None, 0.0, None
    if replace_all:
        default, offset, frozen_at = _simulator_parts(document, ids)
    _install_credentials(sim, restored, replace_all)
    sim.restore_tenants([r.tenant for r in restored], replace_all=replace_all)
    if replace_all:
        sim.hooks.forget_all_but(ids)
    for item in restored:
        restore_hooks(sim.hooks, item.tenant, *item.hooks)
    if replace_all:
        sim.clock.restore(offset, frozen_at)
        sim.default_tenant = default
    return ids


def _simulator_parts(
    document: dict[str, Any], ids: list[str]
) -> tuple[TenantCredentials | None, float, float | None]:
    raw = document.get("default_tenant")
    default = None
    if raw is not None:
        if not isinstance(raw, dict) or raw.get("tenant_id") not in ids:
            raise SnapshotError("default_tenant must name one of the document's tenants")
        try:
            default = TenantCredentials(**raw)
        except TypeError as err:
            raise SnapshotError(f"default_tenant: {err}") from None
    clock = document.get("clock") or {}
    try:
        offset = float(clock.get("offset_seconds") or 0.0)
        frozen = clock.get("frozen_at")
        frozen_at = None if frozen is None else float(frozen)
    except (TypeError, ValueError, AttributeError):
        raise SnapshotError("clock: offset_seconds and frozen_at must be numbers") from None
    return default, offset, frozen_at


def __getattr__(name: str) -> Any:
    """``RECORD_TABLES``: tenant store -> record type (PEP 562: made, and every store module
    imported, when first asked for)."""
    if name == "RECORD_TABLES":
        tables = {store_name: store.record_type for store_name, store in Tenant.STORES.items()}
        globals()["RECORD_TABLES"] = tables
        return tables
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
