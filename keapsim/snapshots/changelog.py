"""``keapsim serve --state-file F --durability log``: an acknowledged write survives ``kill -9``.

Next to the snapshot ``F`` the server keeps an append-only change log, ``F.log.<generation>``,
of JSON lines, as Redis's AOF with ``appendfsync always`` (design and measurements:
``docs/design/persistence.md``):

- every committed change is logged as the changed thing's *state* (a record's snapshot form or
  its deletion, a credential, a link table, the id sequences, hook subscriptions, a tenant's
  settings, a whole tenant when it is created, reset or replaced, the clock), never as the
  request that made it, so that replaying a line twice or out of a racing order is harmless:
  the last line about a thing is its state when that line was written;
- a request that may have written answers only once its lines are on disk: a gateway stage
  (:meth:`ChangeLog.stage`) commits them and waits for an ``fsync`` that covers them. Concurrent
  requests share one ``fsync`` (group commit: whoever syncs first covers everybody's lines);
- at start the snapshot is loaded, the logs of its generation and later are replayed on top
  (a torn last line, the trace of a crash in mid-append, is ignored), and a checkpoint follows;
- a checkpoint (compaction) switches appends to a new generation, writes the whole state as the
  snapshot atomically (it names the generation that continues it) and deletes older logs. It
  runs at start, when the log outgrows the snapshot (in the background), and at a clean stop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from werkzeug.wrappers import Request, Response

from ..gateway.pipeline import Gateway, Handler, is_api
from ..hooks.snapshot import dump_hooks
from ..store import Tenant
from ..store.base import Extra
from ..store.core import StoreCore
from ..store.events import ChangeEvent
from .codec import to_json
from .document import (
    CREDENTIAL_TABLES,
    SnapshotError,
    dump_state,
    dump_tenant,
    load_state,
    parse_document,
)
from .statefile import StateFile, encode_document, fsync_directory, write_atomic

if TYPE_CHECKING:
    from ..simulator import Simulator

log = logging.getLogger("keapsim.snapshots")

LOG_FORMAT = "keapsim-change-log"
LOG_VERSION = 1
GENERATION_KEY = "log_generation"
"""The snapshot's key naming the first log generation that continues it."""
DEFAULT_COMPACT_BYTES = 16 * 1024 * 1024
"""A log compacts once it is this big and bigger than the snapshot (Redis: 64 MB and 100 %)."""
FLUSH_INTERVAL_SECONDS = 1.0
"""How often the background thread logs changes made outside requests (hook deliveries)."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DURABILITY_FAILED = {
    "message": "keapsim could not write its change log; the change may not survive a restart",
    "code": 503,
}


# -- reading logs ------------------------------------------------------------------------------
def read_log(path: Path) -> list[dict[str, Any]]:
    """The lines of one log file. A last line without its newline was being appended when the
    process died, so its group was never acknowledged: it is ignored. Any other line that is
    not a JSON object makes the log corrupt (:class:`SnapshotError` naming file and line)."""
    chunks = path.read_bytes().split(b"\n")
    torn = chunks.pop()  # b"" when the file ends with a newline
    if torn:
        log.warning("%s: ignoring a half-written last line (%d bytes)", path, len(torn))
    lines = []
    for number, chunk in enumerate(chunks, start=1):
        try:
            line = json.loads(chunk)
        except ValueError:
            line = None
        if not isinstance(line, dict) or not isinstance(line.get("op"), str):
            raise SnapshotError(
                f"{path}: line {number} is not a change-log entry; the log is corrupt (move it "
                "away to start from the snapshot alone)"
            )
        lines.append(line)
    if lines and lines[0]["op"] == "begin":
        version = lines[0].get("version")
        if not isinstance(version, int) or version > LOG_VERSION:
            raise SnapshotError(
                f"{path} has change-log version {version!r}, newer than this keapsim reads "
                f"(up to {LOG_VERSION}); upgrade keapsim to load it"
            )
    return lines


@dataclass
class TenantPatch:
    """One tenant's dumped state while log lines are applied to it: its record lists and
    credential lists become dicts by id on first touch, and lists again at the end."""

    entry: dict[str, Any]
    records: dict[str, dict[int, Any]] = field(default_factory=dict)
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)

    def records_of(self, store: str) -> dict[int, Any]:
        if store not in self.records:
            self.records[store] = {raw["id"]: raw for raw in self.entry.get(store) or []}
        return self.records[store]

    def credentials_of(self, table: str) -> dict[str, Any]:
        if table not in self.credentials:
            key_field = CREDENTIAL_TABLES[table][1]
            raws = (self.entry.get("credentials") or {}).get(table) or []
            self.credentials[table] = {raw[key_field]: raw for raw in raws}
        return self.credentials[table]

    def finish(self) -> dict[str, Any]:
        for store, records in self.records.items():
            self.entry[store] = [records[ident] for ident in sorted(records)]
        if self.credentials:
            credentials = self.entry.setdefault("credentials", {})
            for table, raws in self.credentials.items():
                credentials[table] = list(raws.values())
        return self.entry


class DocumentPatch:
    """A state document (``dump_state``'s form) with change-log lines applied, in order."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.tenants = {
            entry["id"]: TenantPatch(entry)
            for entry in document.get("tenants") or []
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
        }

    def apply(self, line: dict[str, Any]) -> None:
        handler = getattr(self, "_" + line["op"].replace("-", "_"), None)
        if handler is None:
            raise SnapshotError(f"unknown change-log operation {line['op']!r}")
        handler(line)

    def finish(self) -> dict[str, Any]:
        self.document["tenants"] = [patch.finish() for patch in self.tenants.values()]
        return self.document

    def _tenant_of(self, line: dict[str, Any]) -> TenantPatch | None:
        # A line about a tenant deleted meanwhile (a write racing the delete) is dropped.
        return self.tenants.get(line["t"])

    def _begin(self, line: dict[str, Any]) -> None:
        """A log's first line: its format and generation (checked by :func:`read_log`)."""

    def _put(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.records_of(line["s"])[line["r"]["id"]] = line["r"]

    def _del(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.records_of(line["s"]).pop(line["id"], None)

    def _cred(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            key_field = CREDENTIAL_TABLES[line["table"]][1]
            patch.credentials_of(line["table"])[line["r"][key_field]] = line["r"]

    def _cred_del(self, line: dict[str, Any]) -> None:
        # A removed credential's tenant is no longer known; removals are rare (stale codes).
        for patch in self.tenants.values():
            patch.credentials_of(line["table"]).pop(line["key"], None)

    def _extra(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.entry[line["k"]] = line["v"]

    def _next_ids(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.entry["next_ids"] = line["v"]

    def _hooks(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.entry["hooks"] = line["v"]

    def _settings(self, line: dict[str, Any]) -> None:
        if (patch := self._tenant_of(line)) is not None:
            patch.entry["settings"] = line["settings"]
            patch.entry["name"] = line["name"]

    def _tenant(self, line: dict[str, Any]) -> None:
        self.tenants[line["doc"]["id"]] = TenantPatch(line["doc"])

    def _drop(self, line: dict[str, Any]) -> None:
        self.tenants.pop(line["t"], None)

    def _clock(self, line: dict[str, Any]) -> None:
        self.document["clock"] = line["v"]

    def _default(self, line: dict[str, Any]) -> None:
        self.document["default_tenant"] = line["v"]


def replay(document: dict[str, Any], logs: Iterable[Path]) -> tuple[dict[str, Any], int]:
    """``document`` with every line of ``logs`` (in order) applied; and how many lines."""
    patch = DocumentPatch(document)
    count = 0
    for path in logs:
        for number, line in enumerate(read_log(path), start=1):
            try:
                patch.apply(line)
            except (KeyError, TypeError, AttributeError) as err:
                raise SnapshotError(
                    f"{path}: line {number} lacks {err}; the log is corrupt"
                ) from None
            except SnapshotError as err:
                raise SnapshotError(f"{path}: line {number}: {err}") from None
            count += 1
    return patch.finish(), count


# -- watching a running simulator --------------------------------------------------------------
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


class ChangeLog:
    """``sim``'s state in the snapshot at ``path`` plus its change logs ``path.log.<n>``.

    Used by ``keapsim serve`` like :class:`StateFile`: :meth:`load_if_exists` before serving,
    :meth:`guard` around the gateway, :meth:`start` once ready, :meth:`close` at exit."""

    def __init__(
        self,
        sim: Simulator,
        path: str | os.PathLike[str],
        *,
        compact_bytes: int = DEFAULT_COMPACT_BYTES,
        flush_interval: float = FLUSH_INTERVAL_SECONDS,
    ) -> None:
        self.sim = sim
        self.snapshot = StateFile(sim, path)
        self.path = self.snapshot.path
        self.compact_bytes = compact_bytes
        self.flush_interval = flush_interval
        self.replayed = 0  # lines replayed by the last load
        # Lock order: _checkpoint_lock, _sync_lock, _lock; _dirty_lock is a leaf (writers take
        # it from their event callbacks, possibly while holding a tenant's lock).
        self._checkpoint_lock = threading.Lock()
        self._sync_lock = threading.Lock()  # one writer and fsync at a time: the group leader
        self._lock = threading.Lock()  # the buffer, and the reads of state it logs, in order
        self._buffer: list[bytes] = []
        self._dirty_lock = threading.Lock()
        self._dirty_records: set[tuple[str, str, int]] = set()
        self._dirty_credentials: set[tuple[str, str]] = set()
        self._marks: dict[str, TenantMarks] = {}
        self._hooked: set[str] = set()  # tenants whose last logged hooks were not empty
        self._clock_mark: tuple[float, float | None] = (0.0, None)
        self._default_mark: object = None
        self._fd = -1
        self._generation = 0
        self._appended = 0  # groups buffered
        self._synced = 0  # groups covered by an fsync
        self._log_bytes = 0
        self._snapshot_bytes = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- files ------------------------------------------------------------------------------
    def log_path(self, generation: int) -> Path:
        return self.path.with_name(f"{self.path.name}.log.{generation}")

    def log_files(self) -> list[tuple[int, Path]]:
        """The change logs next to the snapshot, by generation."""
        return self.snapshot.change_logs()

    def remove_stale_temp_files(self) -> list[Path]:
        return self.snapshot.remove_stale_temp_files()

    # -- start ------------------------------------------------------------------------------
    def load_if_exists(self) -> list[str]:
        """Load the snapshot and replay the logs that continue it; returns the tenant ids
        loaded (none on a first run). Raises :class:`SnapshotError` for a corrupt file."""
        logs = self.log_files()
        if not self.snapshot.exists() and not logs:
            return []
        if self.snapshot.exists():
            document = parse_document(self.snapshot.path.read_bytes(), str(self.path))
        else:  # killed before the first snapshot was written: the logs start from nothing
            document = dump_state(self.sim)
        first = document.get(GENERATION_KEY, 0)
        if isinstance(first, bool) or not isinstance(first, int):
            raise SnapshotError(f"{self.path}: {GENERATION_KEY} must be an integer")
        document, self.replayed = replay(document, [path for gen, path in logs if gen >= first])
        self._generation = max([first, *(gen for gen, _ in logs)])
        return load_state(self.sim, document)

    def start(self) -> None:
        """Start logging: note the state as it is (the checkpoint below saves it), write a
        snapshot, open a fresh log and log changes made outside requests every second. Call
        before serving, once the state is loaded, seeded and scenarios applied."""
        if self._thread is not None:
            raise RuntimeError("the change log is already running")
        self.sim.identity.on_change = self._credential_changed
        with self._lock:
            self._note_structure([], dump_new=False)
            self._note_hooks([])
        self.checkpoint()
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._background, name="keapsim-change-log", daemon=True
        )
        self._thread.start()

    # -- the request path -------------------------------------------------------------------
    def guard(self, gateway: Gateway) -> Gateway:
        """``gateway`` with :meth:`stage` in front of every other stage."""
        return Gateway(gateway.inner, [self.stage, *gateway.stages], gateway.context)

    def stage(self, request: Request, call_next: Handler) -> Response:
        """A gateway stage: a request that may have written (any method but GET, HEAD and
        OPTIONS; or any request that changed a record or a credential) is answered only once
        its changes are on disk. A log that cannot be written answers 503: the change
        happened, but it is not durable and the client must not take it as acknowledged."""
        response = call_next(request)
        if request.method in SAFE_METHODS and not self.pending():
            return response
        try:
            # The API cannot create, delete or re-set tenants, nor move the clock.
            self.commit(structure=not is_api(request))
        except OSError:
            log.exception("could not append to the change log of %s", self.path)
            response.close()
            return Response(json.dumps(DURABILITY_FAILED), 503, content_type="application/json")
        return response

    def pending(self) -> bool:
        """Whether writers reported changes not logged yet."""
        return bool(self._dirty_records or self._dirty_credentials)

    def commit(self, *, structure: bool = True) -> None:
        """Log every change made so far and return once an fsync covers it. ``structure``:
        also look for tenants created, deleted, reset or re-set, the clock and the default
        tenant (a scan of every tenant; an API request changes none of them)."""
        with self._lock:
            if self._fd < 0:
                raise OSError("the change log is not open")
            lines = self._collect(structure)
            if lines:
                self._buffer.append(b"".join(_encode(line) for line in lines))
                self._appended += 1
            target = self._appended
        self._sync_through(target)

    def _sync_through(self, target: int) -> None:
        """Return once group ``target`` is on disk. The first waiter leads: it writes every
        group buffered so far and fsyncs them together while later ones buffer theirs.
        Buffering, rather than each writer calling ``os.write``, keeps appends off the file
        while it syncs (an append to a page under writeback waits for the whole fsync)."""
        if self._synced >= target:
            return
        with self._sync_lock:
            if self._synced >= target:  # the leader before us covered our group
                return
            self._flush_buffer()

    def _flush_buffer(self) -> None:
        """Write and fsync what is buffered (under ``_sync_lock``)."""
        with self._lock:
            data = b"".join(self._buffer)
            self._buffer = []
            covered = self._appended
        self._write(data)
        _sync(self._fd)
        self._synced = covered

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._log_bytes += len(data)

    # -- what changed -----------------------------------------------------------------------
    def _event_callback(self, tenant_id: str) -> Callable[[ChangeEvent], None]:
        def note(event: ChangeEvent) -> None:
            with self._dirty_lock:
                self._dirty_records.add((tenant_id, event.object_type, event.object_id))

        return note

    def _credential_changed(self, table: str, key: str) -> None:
        with self._dirty_lock:
            self._dirty_credentials.add((table, key))

    def _collect(self, structure: bool) -> list[dict[str, Any]]:
        """The lines for every change since the last call (called under ``_lock``)."""
        with self._dirty_lock:
            records, self._dirty_records = self._dirty_records, set()
            credentials, self._dirty_credentials = self._dirty_credentials, set()
        lines: list[dict[str, Any]] = []
        if structure:
            self._note_structure(lines)
        for tenant_id, noun, ident in records:
            self._record_lines(tenant_id, noun, ident, lines)
        for table, key in credentials:
            lines.append(self._credential_line(table, key))
        for marks in self._marks.values():
            if marks.core.writes != marks.writes:  # cheap: skips tenants nothing was written to
                self._note_tenant(marks, lines)
        self._note_hooks(lines)
        return lines

    def _record_lines(self, tenant_id: str, noun: str, ident: int, lines: list[Any]) -> None:
        marks = self._marks.get(tenant_id)
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

    def _credential_line(self, table: str, key: str) -> dict[str, Any]:
        record = getattr(self.sim.identity, table).get(key)
        if record is None:
            return {"op": "cred-del", "table": table, "key": key}
        return {"op": "cred", "t": record.tenant_id, "table": table, "r": to_json(record)}

    def _note_structure(self, lines: list[Any], *, dump_new: bool = True) -> None:
        """Tenants created, replaced, reset, deleted or re-set; the clock; the default.
        ``dump_new=False`` notes the state without logging it (a checkpoint saves it)."""
        tenants = dict(self.sim.tenants)
        for tenant_id in [t for t in self._marks if t not in tenants]:
            self._marks.pop(tenant_id).unsubscribe()
            lines.append({"op": "drop", "t": tenant_id})
        for tenant_id, tenant in tenants.items():
            marks = self._marks.get(tenant_id)
            if marks is None or marks.tenant is not tenant:
                if marks is not None:
                    marks.unsubscribe()
                unsubscribe = tenant.events.subscribe(self._event_callback(tenant_id))
                marks = TenantMarks(tenant, unsubscribe)
                self._marks[tenant_id] = marks
                self._note_tenant(marks, lines, whole=dump_new)
            elif marks.settings is not tenant.settings or marks.name != tenant.name:
                settings = tenant.settings.model_dump(mode="json")
                lines.append(
                    {"op": "settings", "t": tenant_id, "settings": settings, "name": tenant.name}
                )
            marks.settings, marks.name = tenant.settings, tenant.name
        clock = self.sim.clock
        clock_mark = (clock.offset, clock.time() - clock.offset if clock.frozen else None)
        if clock_mark != self._clock_mark:
            self._clock_mark = clock_mark
            value = {"offset_seconds": clock_mark[0], "frozen_at": clock_mark[1]}
            lines.append({"op": "clock", "v": value})
        default = self.sim.default_tenant
        if default is not self._default_mark:
            self._default_mark = default
            lines.append({"op": "default", "v": default.to_dict() if default else None})

    def _note_tenant(self, marks: TenantMarks, lines: list[Any], *, whole: bool = True) -> None:
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

    def _note_contents(self, marks: TenantMarks, lines: list[Any]) -> None:
        tenant = marks.tenant
        marks.writes = marks.core.writes  # read first: what is read below is at least as new
        next_ids = tenant.next_ids
        if next_ids != marks.next_ids:
            marks.next_ids = next_ids
            lines.append({"op": "next_ids", "t": tenant.id, "v": next_ids})
        for extra in marks.extras:
            self._note_extra(marks, extra, lines)

    def _note_hooks(self, lines: list[Any]) -> None:
        """Hook subscriptions of the tenants that have or had some, when they changed."""
        service = self.sim.hooks
        for tenant_id in {*service.tenant_ids(), *self._hooked}:
            marks = self._marks.get(tenant_id)
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

    def _note_extra(self, marks: TenantMarks, extra: Extra, lines: list[Any]) -> None:
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

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint(self) -> Path:
        """Compact: new writes go to a new log generation; the whole state is written as the
        snapshot (atomically), naming that generation; older logs are then deleted.

        A crash before the snapshot's rename leaves the old snapshot and every log; after it,
        the new snapshot and logs older than it (deleted at the next start): either way the
        state comes back whole."""
        with self._checkpoint_lock:
            with self._sync_lock:
                if self._fd >= 0:
                    self._flush_buffer()  # what was buffered goes into the old log
                    os.close(self._fd)
                with self._lock:  # what is buffered from now on goes into the new one
                    self._generation += 1
                    generation = self._generation
                    self._fd = self._open_log(generation)
            document = dump_state(self.sim)
            document[GENERATION_KEY] = generation
            data = encode_document(document)
            write_atomic(self.path, data)
            self._snapshot_bytes = len(data)
            for gen, path in self.log_files():
                if gen < generation:
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
            return self.path

    def _open_log(self, generation: int) -> int:
        path = self.log_path(generation)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags, 0o600)  # it holds credentials, like the snapshot
        header = {"op": "begin", "format": LOG_FORMAT, "version": LOG_VERSION, "gen": generation}
        os.write(fd, _encode(header))
        _sync(fd)
        fsync_directory(path.parent)  # the new file's name must survive a crash too
        self._log_bytes = 0
        return fd

    @property
    def log_bytes(self) -> int:
        return self._log_bytes

    def _background(self) -> None:
        while not self._stopping.wait(self.flush_interval):
            try:
                self.commit()
                if self._log_bytes >= max(self.compact_bytes, self._snapshot_bytes):
                    self.checkpoint()
            except Exception:
                # Nothing may end this thread: the next round tries again.
                log.exception("the change log of %s failed", self.path)

    # -- stop -------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the background thread (the log stays open: requests still commit)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def close(self) -> Path:
        """At a clean exit: log what is left, compact into the snapshot, close the log."""
        self.stop()
        self.commit()
        path = self.checkpoint()
        with self._sync_lock:
            self._flush_buffer()  # a write made meanwhile by Python code in this process
            os.close(self._fd)
            self._fd = -1
            if self._log_bytes == 0:
                # Nothing after the header: the snapshot holds everything, and a later start
                # in the interval mode finds no log it would have to refuse.
                self.log_path(self._generation).unlink()
        self.sim.identity.on_change = None
        for marks in self._marks.values():
            marks.unsubscribe()
        self._marks.clear()
        return path


def _encode(line: dict[str, Any]) -> bytes:
    # orjson: a tenth of json's time on the request path. JSON escapes control characters, so
    # no line holds a raw newline. A lone surrogate is not UTF-8: such a line is written as
    # ASCII JSON, which round-trips any Python string.
    try:
        return orjson.dumps(line) + b"\n"
    except TypeError:
        return json.dumps(line, separators=(",", ":")).encode("ascii") + b"\n"


def _sync(fd: int) -> None:
    # fdatasync skips the metadata a reader does not need (times), keeping the size.
    getattr(os, "fdatasync", os.fsync)(fd)
