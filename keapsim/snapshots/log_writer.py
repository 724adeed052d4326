"""The change log's writer: an append-only file per generation, written by group commit.

Committing threads only append their encoded lines to an in-memory buffer; the first one to
wait for an ``fsync`` leads: it writes everything buffered with one ``os.write`` and syncs it,
covering every group buffered meanwhile (``docs/design/persistence.md``, point 5)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from .log_format import encode_line, header_line, log_path
from .statefile import fsync_directory


class LogWriter:
    """The open log of the snapshot at ``snapshot``: ``snapshot.log.<generation>``.

    Lock order: ``sync_lock`` before ``lock``. ``lock`` guards the buffer; a caller also holds
    it while it reads the state it logs (:meth:`append`), so groups are buffered in the order
    of the states they read."""

    def __init__(self, snapshot: Path) -> None:
        self.snapshot = snapshot
        self.generation = 0
        self.sync_lock = threading.Lock()  # one writer and fsync at a time: the group leader
        self.lock = threading.Lock()  # the buffer, and the reads of state it logs, in order
        self._buffer: list[bytes] = []
        self._fd = -1
        self._appended = 0  # groups buffered
        self._synced = 0  # groups covered by an fsync
        self.bytes_written = 0  # by this generation, after its header

    @property
    def is_open(self) -> bool:
        return self._fd >= 0

    def append(self, collect: Callable[[], bytes]) -> int:
        """Buffer what ``collect`` returns (called under :attr:`lock`) as one group; returns
        the group's number for :meth:`sync_through`. Raises :class:`OSError` when closed."""
        with self.lock:
            if not self.is_open:
                raise OSError("the change log is not open")
            data = collect()
            if data:
                self._buffer.append(data)
                self._appended += 1
            return self._appended

    def sync_through(self, target: int) -> None:
        """Return once group ``target`` is on disk. The first waiter leads: it writes every
        group buffered so far and fsyncs them together while later ones buffer theirs.
        Buffering, rather than each writer calling ``os.write``, keeps appends off the file
        while it syncs (an append to a page under writeback waits for the whole fsync)."""
        if self._synced >= target:
            return
        with self.sync_lock:
            if self._synced >= target:  # the leader before us covered our group
                return
            self._flush_buffer()

    def rotate(self) -> int:
        """Flush what is buffered into the current log, close it and open the next
        generation; returns that generation. What is buffered from now on goes there."""
        with self.sync_lock:
            if self.is_open:
                self._flush_buffer()
                os.close(self._fd)
            with self.lock:
                self.generation += 1
                self._fd = self._open(self.generation)
                return self.generation

    def close(self) -> None:
        """Flush, close, and delete the log when nothing follows its header: the snapshot
        holds everything, and a later start in the interval mode finds no log it would refuse."""
        with self.sync_lock:
            self._flush_buffer()  # a write made meanwhile by Python code in this process
            os.close(self._fd)
            self._fd = -1
            if self.bytes_written == 0:
                log_path(self.snapshot, self.generation).unlink()

    def _flush_buffer(self) -> None:
        """Write and fsync what is buffered (under ``sync_lock``)."""
        with self.lock:
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
        self.bytes_written += len(data)

    def _open(self, generation: int) -> int:
        path = log_path(self.snapshot, generation)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags, 0o600)  # it holds credentials, like the snapshot
        os.write(fd, encode_line(header_line(generation)))
        _sync(fd)
        fsync_directory(path.parent)  # the new file's name must survive a crash too
        self.bytes_written = 0
        return fd


def _sync(fd: int) -> None:
    # fdatasync skips the metadata a reader does not need (times), keeping the size.
    getattr(os, "fdatasync", os.fsync)(fd)
