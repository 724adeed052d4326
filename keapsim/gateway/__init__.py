"""The gateway layer: journal, fault rules, authentication, throttling."""

from .auth import PRINCIPAL, Authenticate, Principal, principal_of
from .pipeline import Gateway, Handler, Stage, build_gateway

__all__ = [
    "PRINCIPAL",
    "Authenticate",
    "Gateway",
    "Handler",
    "Principal",
    "Stage",
    "build_gateway",
    "principal_of",
]
