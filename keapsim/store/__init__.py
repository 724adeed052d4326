"""The domain store: plain Python objects, no Flask, no HTTP."""

from .base import Lookup, Query, Table
from .errors import Conflict, DomainError, Invalid, NotFound
from .events import ChangeEvent, EventBus
from .identity import IdentityStore
from .tenant import Tenant

__all__ = [
    "ChangeEvent",
    "Conflict",
    "DomainError",
    "EventBus",
    "IdentityStore",
    "Invalid",
    "Lookup",
    "NotFound",
    "Query",
    "Table",
    "Tenant",
]
