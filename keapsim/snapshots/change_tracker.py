"""Which changes the log must write: store events, credential writes and state comparisons
turned into log lines (``docs/design/persistence.md``, point 3).

Records and credentials report their own changes (a store's change events, the identity
store's ``on_change``); the rest (id sequences, link tables, hook subscriptions, tenants,
settings, the clock, the default tenant) is compared with what was last logged."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..hooks.snapshot import dump_hooks
from ..store import Tenant
from ..store.base import Extra
from ..store.core import StoreCore
from ..store.events import ChangeEvent
from .codec import to_json
from .document import dump_tenant

if TYPE_CHECKING:
    from ..simulator import Simulator

Line = dict[str, Any]


@dataclass
class TenantMarks:
    """What the log last wrote about one tenant, to log only what changed since."""

    tenant: Tenant
    unsubscribe: Callable[[], None]
    core: StoreCore = field(init=False)
    stores: dict[str, Any] = field(default_factory=dict)  # the identity of tenant.stores
    nouns: dict[str, list[str]] = field(default_factory=dict)  # event noun -> store names
    extras: list[Extra] = field(default_factory=list)
    versions: dict[str, object] = field(default_factory=dict)
    writes: int = -1  # tenant.core.writes when its sequences and links were last compared
    next_ids: dict[str, int] = field(default_factory=dict)
    hooks: dict[str, Any] | None = None
    settings: object = None
    name: str = ""

    def __post_init__(self) -> None:
        self.core = self.tenant.core


class ChangeTracker:
    """The changes in ``sim`` since the last :meth:`collect`, as log lines.

    :meth:`collect` is called under the log writer's lock, so the states it reads are logged
    in order. ``_dirty_lock`` is a leaf: writers take it from their event callbacks, possibly
    while holding a tenant's lock."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.marks: dict[str, TenantMarks] = {}
        self._dirty_lock = threading.Lock()
        self._dirty_records: set[tuple[str, str, int]] = set()
        self._dirty_credentials: set[tuple[str, str]] = set()
        self._hooked: set[str] = set()  # tenants whose last logged hooks were not empty
        self._clock_mark: tuple[float, float | None] = (0.0, None)
        self._default_mark: object = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Watch credential writes and note the state as it is, without logging it (the
        checkpoint that follows saves it)."""
        self.sim.identity.on_change = self._credential_changed
        self._note_structure([], dump_new=False)
        self._note_hooks([])

    def stop(self) -> None:
        self.sim.identity.on_change = None
        for marks in self.marks.values():
            marks.unsubscribe()
        self.marks.clear()

    def pending(self) -> bool:
        """Whether writers reported changes not logged yet."""
        return bool(self._dirty_records or self._dirty_credentials)

    # -- collecting -------------------------------------------------------------------------
    def collect(self, structure: bool) -> list[Line]:
        """The lines for every change since the last call. ``structure``: also look for
        tenants created, deleted, reset or re-set, the clock and the default tenant."""
        with self._dirty_lock:
            records, self._dirty_records = self._dirty_records, set()
            credentials, self._dirty_credentials = self._dirty_credentials, set()
        lines: list[Line] = []
        if structure:
            self._note_structure(lines)
        for tenant_id, noun, ident in records:
            self._record_lines(tenant_id, noun, ident, lines)
        for table, key in credentials:
            lines.append(self._credential_line(table, key))
        for marks in self.marks.values():
            if marks.core.writes != marks.writes:  # cheap: skips tenants nothing was written to
                self._note_tenant(marks, lines)
        self._note_hooks(lines)
        return lines

    def _event_callback(self, tenant_id: str) -> Callable[[ChangeEvent], None]:
        def note(event: ChangeEvent) -> None:
            with self._dirty_lock:
                self._dirty_records.add((tenant_id, event.object_type, event.object_id))

        return note

    def _credential_changed(self, table: str, key: str) -> None:
        with self._dirty_lock:
            self._dirty_credentials.add((table, key))

    def _record_lines(self, tenant_id: str, noun: str, ident: int, lines: list[Line]) -> None:
        marks = self.marks.get(tenant_id)
        if marks is None:
            return  # a tenant dropped meanwhile
        # Usually one store per noun. Should two tables share one, both records with that id
        # are logged as they are: a state line is harmless when nothing changed.
        for store_name in marks.nouns.get(noun, ()):
            record = marks.tenant.stores[store_name].table.get(ident)
            if record is None:
                lines.append({"op": "del", "t": tenant_id, "s": store_name, "id": ident})
            else:
                line = {"op": "put", "t": tenant_id, "s": store_name, "r": to_json(record)}
                lines.append(line)

    def _credential_line(self, table: str, key: str) -> Line:
        record = getattr(self.sim.identity, table).get(key)
        if record is None:
            return {"op": "cred-del", "table": table, "key": key}
        return {"op": "cred", "t": record.tenant_id, "table": table, "r": to_json(record)}

    # -- tenants, the clock, the default tenant ---------------------------------------------
    def _note_structure(self, lines: list[Line], *, dump_new: bool = True) -> None:
        """Tenants created, replaced, reset, deleted or re-set; the clock; the default.
        ``dump_new=False`` notes the state without logging it (a checkpoint saves it)."""
        tenants = dict(self.sim.tenants)
        for tenant_id in [t for t in self.marks if t not in tenants]:
            self.marks.pop(tenant_id).unsubscribe()
            lines.append({"op": "drop", "t": tenant_id})
        for tenant_id, tenant in tenants.items():
            self._note_tenant_identity(tenant_id, tenant, lines, dump_new=dump_new)
        self._note_clock(lines)
        self._note_default(lines)

    def _note_tenant_identity(
        self, tenant_id: str, tenant: Tenant, lines: list[Line], *, dump_new: bool
    ) -> None:
        """A tenant new under its id (created or replaced): watched and logged whole; else
        its settings and name when they changed."""
        marks = self.marks.get(tenant_id)
        if marks is None or marks.tenant is not tenant:
            if marks is not None:
                marks.unsubscribe()
            unsubscribe = tenant.events.subscribe(self._event_callback(tenant_id))
            marks = TenantMarks(tenant, unsubscribe)
            self.marks[tenant_id] = marks
            self._note_tenant(marks, lines, whole=dump_new)
        elif marks.settings is not tenant.settings or marks.name != tenant.name:
            settings = tenant.settings.model_dump(mode="json")
            lines.append(
                {"op": "settings", "t": tenant_id, "settings": settings, "name": tenant.name}
            )
        marks.settings, marks.name = tenant.settings, tenant.name

    def _note_clock(self, lines: list[Line]) -> None:
        clock = self.sim.clock
        clock_mark = (clock.offset, clock.time() - clock.offset if clock.frozen else None)
        if clock_mark != self._clock_mark:
            self._clock_mark = clock_mark
            value = {"offset_seconds": clock_mark[0], "frozen_at": clock_mark[1]}
            lines.append({"op": "clock", "v": value})

    def _note_default(self, lines: list[Line]) -> None:
        default = self.sim.default_tenant
        if default is not self._default_mark:
            self._default_mark = default
            lines.append({"op": "default", "v": default.to_dict() if default else None})

    # -- one tenant's sequences, link tables and hooks --------------------------------------
    def _note_tenant(self, marks: TenantMarks, lines: list[Line], *, whole: bool = True) -> None:
        """A tenant's id sequences and link tables, when they changed; the whole tenant when
        its stores are new (a tenant created or replaced, or reset: its tables are cleared
        without an event per record) and ``whole`` (at start, the checkpoint saves it)."""
        tenant = marks.tenant
        if marks.stores is tenant.stores:
            self._note_contents(marks, lines)
            return
        marks.stores = tenant.stores
        marks.nouns = {}
        for name, store in tenant.stores.items():
            marks.nouns.setdefault(store.table.noun, []).append(name)
        marks.extras = [extra for store in tenant.stores.values() for extra in store.extras()]
        marks.versions = {}
        self._note_contents(marks, [])  # marks first: the dump below is at least as new
        if whole:
            lines.append({"op": "tenant", "doc": dump_tenant(self.sim, tenant)})

    def _note_contents(self, marks: TenantMarks, lines: list[Line]) -> None:
        tenant = marks.tenant
        marks.writes = marks.core.writes  # read first: what is read below is at least as new
        next_ids = tenant.next_ids
        if next_ids != marks.next_ids:
            marks.next_ids = next_ids
            lines.append({"op": "next_ids", "t": tenant.id, "v": next_ids})
        for extra in marks.extras:
            self._note_extra(marks, extra, lines)

    def _note_extra(self, marks: TenantMarks, extra: Extra, lines: list[Line]) -> None:
        # The version is read before the dump, so the dump is at least as new as the mark.
        version = extra.version() if extra.version is not None else None
        if version is not None and marks.versions.get(extra.key) == version:
            return
        with marks.tenant.lock:
            rows = extra.dump()
        mark = version if version is not None else rows
        if marks.versions.get(extra.key) != mark:
            marks.versions[extra.key] = mark
            lines.append({"op": "extra", "t": marks.tenant.id, "k": extra.key, "v": rows})

    def _note_hooks(self, lines: list[Line]) -> None:
        """Hook subscriptions of the tenants that have or had some, when they changed."""
        service = self.sim.hooks
        for tenant_id in {*service.tenant_ids(), *self._hooked}:
            marks = self.marks.get(tenant_id)
            if marks is None:
                self._hooked.discard(tenant_id)
                continue
            registry = service.registry(tenant_id)
            hooks = None if registry is None else dump_hooks(service, tenant_id)
            if hooks != marks.hooks:
                marks.hooks = hooks
                lines.append({"op": "hooks", "t": tenant_id, "v": dump_hooks(service, tenant_id)})
            if hooks is None:
                self._hooked.discard(tenant_id)
            else:
                self._hooked.add(tenant_id)
