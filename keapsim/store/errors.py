"""Domain errors. The API adapters turn them into v1 or v2 wire bodies; the store knows no HTTP."""

from __future__ import annotations

# Keap's 400 message for a body it cannot bind: malformed JSON, a wrong type (facts §5.2).
UNCONVERTIBLE = "Input could not be converted to a valid request"


class DomainError(Exception):
    """Base class: ``message`` is the text Keap would show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """An id that the tenant does not have."""

    def __init__(self, kind: str, ident: object, message: str | None = None) -> None:
        super().__init__(message or f"Unable to find this {kind}")
        self.kind = kind
        self.ident = ident


class Invalid(DomainError):
    """Input that Keap rejects with 400."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(DomainError):
    """A state conflict (409), e.g. a duplicate email under the ``guide`` profile; ``kind`` and
    ``existing_id`` name the record in the way."""

    def __init__(self, message: str, existing_id: int | None = None, kind: str = "Contact") -> None:
        super().__init__(message)
        self.existing_id = existing_id
        self.kind = kind


class TooLarge(DomainError):
    """Content beyond a size limit keapsim enforces (413 in both versions)."""
