"""The request journal (issue 4 fills this in): a bounded ring of requests and responses."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from .pipeline import Handler


class Journal:
    """Placeholder until the control plane lands: records nothing."""

    def clear(self) -> None:
        return None


class RecordJournal:
    """Gateway stage: records each exchange in the journal."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def __call__(self, request: Request, call_next: Handler) -> Response:
        return call_next(request)
