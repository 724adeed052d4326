"""``keapsim serve --state-file F --durability log``: an acknowledged write survives ``kill -9``.

Next to the snapshot ``F`` the server keeps an append-only change log, ``F.log.<generation>``,
of JSON lines, as Redis's AOF with ``appendfsync always`` (design and measurements:
``docs/design/persistence.md``). The parts, one module each:

- :mod:`.log_format` (the file format, reading a log) and :mod:`.log_replay` (applying logs to
  a state document at start; a torn last line, the trace of a crash in mid-append, is ignored);
- :mod:`.change_tracker`: every committed change as the changed thing's *state* (a record, a
  credential, a link table, the id sequences, hook subscriptions, a tenant's settings, a whole
  tenant when it is created, reset or replaced, the clock), never as the request that made it,
  so that replaying a line twice or out of a racing order is harmless;
- :mod:`.log_writer`: the open log, written by group commit (concurrent requests share one
  ``fsync``);
- this module: :class:`ChangeLog`, which ties them to the server. A request that may have
  written answers only once its lines are on disk (:meth:`ChangeLog.stage`). A checkpoint
  (compaction) switches appends to a new generation, writes the whole state as the snapshot
  atomically (it names the generation that continues it) and deletes older logs. It runs at
  start, when the log outgrows the snapshot (in the background), and at a clean stop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ..gateway.pipeline import Gateway, Handler, is_api
from .change_tracker import ChangeTracker
from .document import SnapshotError, dump_state, load_state, parse_document
from .log_format import GENERATION_KEY, encode_line, log_path
from .log_replay import replay
from .log_writer import LogWriter
from .statefile import StateFile, encode_document, write_atomic

if TYPE_CHECKING:
    from ..simulator import Simulator

log = logging.getLogger("keapsim.snapshots")

DEFAULT_COMPACT_BYTES = 16 * 1024 * 1024
"""A log compacts once it is this big and bigger than the snapshot (Redis: 64 MB and 100 %)."""
FLUSH_INTERVAL_SECONDS = 1.0
"""How often the background thread logs changes made outside requests (hook deliveries)."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DURABILITY_FAILED = {
    "message": "keapsim could not write its change log; the change may not survive a restart",
    "code": 503,
}


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
        self.writer = LogWriter(self.path)
        self.tracker = ChangeTracker(sim)
        # Lock order: _checkpoint_lock, then the writer's locks.
        self._checkpoint_lock = threading.Lock()
        self._snapshot_bytes = 0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- files ------------------------------------------------------------------------------
    def log_path(self, generation: int) -> Path:
        return log_path(self.path, generation)

    def log_files(self) -> list[tuple[int, Path]]:
        """The change logs next to the snapshot, by generation."""
        return self.snapshot.change_logs()

    def remove_stale_temp_files(self) -> list[Path]:
        return self.snapshot.remove_stale_temp_files()

    @property
    def log_bytes(self) -> int:
        return self.writer.bytes_written

    # -- start ------------------------------------------------------------------------------
    def load_if_exists(self) -> list[str]:
        """Load the snapshot and replay the logs that continue it; returns the tenant ids
        loaded (none on a first run). Raises :class:`SnapshotError` for a corrupt file."""
        logs = self.log_files()
        if not self.snapshot.exists() and not logs:
            return []
        document = self._snapshot_document()
        first = document.get(GENERATION_KEY, 0)
        if isinstance(first, bool) or not isinstance(first, int):
            raise SnapshotError(f"{self.path}: {GENERATION_KEY} must be an integer")
        document, self.replayed = replay(document, [path for gen, path in logs if gen >= first])
        self.writer.generation = max([first, *(gen for gen, _ in logs)])
        return load_state(self.sim, document)

    def _snapshot_document(self) -> dict[str, Any]:
        if self.snapshot.exists():
            return parse_document(self.snapshot.path.read_bytes(), str(self.path))
        return dump_state(self.sim)  # killed before the first snapshot: logs start from nothing

    def start(self) -> None:
        """Start logging: note the state as it is (the checkpoint below saves it), write a
        snapshot, open a fresh log and log changes made outside requests every second. Call
        before serving, once the state is loaded, seeded and scenarios applied."""
        if self._thread is not None:
            raise RuntimeError("the change log is already running")
        with self.writer.lock:
            self.tracker.start()
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
        return self.tracker.pending()

    def commit(self, *, structure: bool = True) -> None:
        """Log every change made so far and return once an fsync covers it. ``structure``:
        also look for tenants created, deleted, reset or re-set, the clock and the default
        tenant (a scan of every tenant; an API request changes none of them)."""

        def collect() -> bytes:
            return b"".join(encode_line(line) for line in self.tracker.collect(structure))

        self.writer.sync_through(self.writer.append(collect))

    # -- checkpoints ------------------------------------------------------------------------
    def checkpoint(self) -> Path:
        """Compact: new writes go to a new log generation; the whole state is written as the
        snapshot (atomically), naming that generation; older logs are then deleted.

        A crash before the snapshot's rename leaves the old snapshot and every log; after it,
        the new snapshot and logs older than it (deleted at the next start): either way the
        state comes back whole."""
        with self._checkpoint_lock:
            generation = self.writer.rotate()
            document = dump_state(self.sim)
            document[GENERATION_KEY] = generation
            data = encode_document(document)
            write_atomic(self.path, data)
            self._snapshot_bytes = len(data)
            self._remove_logs_before(generation)
            return self.path

    def _remove_logs_before(self, generation: int) -> None:
        for gen, path in self.log_files():
            if gen < generation:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def _background(self) -> None:
        while not self._stopping.wait(self.flush_interval):
            try:
                self.commit()
                if self.log_bytes >= max(self.compact_bytes, self._snapshot_bytes):
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
        self.writer.close()
        self.tracker.stop()
        return path
