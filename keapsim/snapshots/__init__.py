"""Snapshots: dump and load a tenant's or the whole simulator's state as versioned JSON
(``GET/PUT /_keapsim/state``, ``keapsim state save|load``, ``keapsim serve --state-file``)."""

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
