"""The domain store: plain Python objects, no Flask, no HTTP."""

from .errors import Conflict, DomainError, Invalid, NotFound
from .identity import IdentityStore
from .tenant import Tenant

__all__ = ["Conflict", "DomainError", "IdentityStore", "Invalid", "NotFound", "Tenant"]
