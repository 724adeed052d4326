"""A state file on disk: load at start, save atomically, save periodically.

A save writes a temporary file in the same directory, flushes and fsyncs it, then renames it
over the target with ``os.replace`` (atomic on POSIX and Windows) and fsyncs the directory: a
crash or a kill mid-save leaves the previous file whole, never a half-written one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .document import SnapshotError, dump_state, load_state, parse_document

if TYPE_CHECKING:
    from ..gateway.pipeline import Gateway
    from ..simulator import Simulator

log = logging.getLogger("keapsim.snapshots")
DEFAULT_AUTOSAVE_SECONDS = 30.0


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace ``path`` with ``data`` so that readers see the old file or the new one, whole."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    fsync_directory(directory)
    return target


def fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def encode_document(document: dict) -> bytes:
    """The document as UTF-8 JSON. A value that is not Unicode text (a lone surrogate put into
    the store from Python; the API refuses them) cannot be UTF-8: the document is then written
    with every non-ASCII character escaped, which round-trips any Python string exactly."""
    text = json.dumps(document, indent=1, ensure_ascii=False)
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        return json.dumps(document, indent=1).encode("ascii") + b"\n"


class StateFile:
    """``sim``'s state in the JSON file at ``path``."""

    def __init__(self, sim: Simulator, path: str | os.PathLike[str]) -> None:
        self.sim = sim
        self.path = Path(path)
        self._save_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> list[str]:
        """Replace the simulator's state with the file's; returns the tenant ids loaded.

        Raises :class:`SnapshotError` (a clear message naming the file) for a corrupt file or
        a format version this keapsim does not read; ``FileNotFoundError`` without a file.
        """
        data = self.path.read_bytes()
        return load_state(self.sim, parse_document(data, str(self.path)))

    def remove_stale_temp_files(self) -> list[Path]:
        """Delete the temporary files of saves that never finished (a process killed while
        saving leaves one behind, and it holds live credentials); returns those deleted.

        Call at start, before saving: a save in progress elsewhere would lose its file."""
        directory = self.path.parent if str(self.path.parent) else Path(".")
        removed = []
        for stale in directory.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
                removed.append(stale)
        return removed

    def load_if_exists(self) -> list[str]:
        """:meth:`load` when the file exists (a first run starts empty).

        Refuses (:class:`SnapshotError`) while change logs of ``--durability log`` lie next
        to the file: they hold acknowledged changes the file lacks, which this mode would
        neither replay nor keep."""
        leftovers = self.change_logs()
        if leftovers:
            raise SnapshotError(
                f"{leftovers[-1][1]} holds changes that {self.path.name} lacks (the last run "
                "used --durability log and did not stop cleanly): start once with "
                "--durability log to fold them in"
            )
        return self.load() if self.exists() else []

    def change_logs(self) -> list[tuple[int, Path]]:
        """The change logs of ``--durability log`` next to the file (``<name>.log.<n>``),
        by generation."""
        pattern = re.compile(re.escape(self.path.name) + r"\.log\.(\d+)")
        found = []
        for candidate in self.path.parent.glob(f"{self.path.name}.log.*"):
            match = pattern.fullmatch(candidate.name)
            if match:
                found.append((int(match.group(1)), candidate))
        return sorted(found)

    def save(self) -> Path:
        """Write the whole simulator's state, atomically."""
        with self._save_lock:
            return write_atomic(self.path, encode_document(dump_state(self.sim)))

    # -- the persistence interface of ``keapsim serve`` (shared with ChangeLog) ------------
    def guard(self, gateway: Gateway) -> Gateway:
        """The interval mode leaves the request path alone: writes are saved later."""
        return gateway

    def start(self) -> None:
        self.start_autosave()

    def close(self) -> Path:
        """At a clean exit: stop autosaving, then save."""
        self.stop()
        return self.save()

    def start_autosave(self, interval_seconds: float = DEFAULT_AUTOSAVE_SECONDS) -> None:
        """Save every ``interval_seconds`` in a background thread until :meth:`stop`."""
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be > 0")
        if self._thread is not None:
            raise RuntimeError("autosave is already running")
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._autosave,
            args=(interval_seconds,),
            name="keapsim-autosave",
            daemon=True,
        )
        self._thread.start()

    def _autosave(self, interval_seconds: float) -> None:
        while not self._stopping.wait(interval_seconds):
            try:
                self.save()
            except Exception:
                # Nothing may end this thread (a full disk, a value that will not encode):
                # the next round tries again, and a thread that died would lose every later
                # write silently.
                log.exception("autosave to %s failed", self.path)

    @property
    def autosaving(self) -> bool:
        return self._thread is not None

    def stop(self) -> None:
        """Stop autosaving (a save in progress completes first); does not save by itself."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
