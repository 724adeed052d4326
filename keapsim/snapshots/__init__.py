"""Snapshots: dump and load a tenant's or the whole simulator's state as versioned JSON
(``GET/PUT /_keapsim/state``, ``keapsim state save|load``, ``keapsim serve --state-file``,
with ``--durability log`` a change log besides: :mod:`keapsim.snapshots.changelog`)."""

from .changelog import ChangeLog
from .document import (
    FORMAT,
    FORMAT_VERSION,
    MIGRATIONS,
    SnapshotError,
    check_document,
    dump_state,
    dump_tenant,
    load_state,
    parse_document,
)
from .statefile import StateFile, write_atomic

__all__ = [
    "ChangeLog",
    "FORMAT",
    "FORMAT_VERSION",
    "MIGRATIONS",
    "SnapshotError",
    "StateFile",
    "check_document",
    "dump_state",
    "dump_tenant",
    "load_state",
    "parse_document",
    "write_atomic",
]
