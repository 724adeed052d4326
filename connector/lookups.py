"""Name -> id caches for things a flow may name instead of numbering (lead sources, custom fields).

One :class:`NameCache` per kind. It is shared by every thread of a connector: the first look-up
fetches the whole listing from Keap, later ones are answered from memory. An unknown name makes
the cache refetch (the thing may have been created in Keap since), but only once per
:data:`MISS_TTL` for that name, so a templated name that Keap does not know does not cost a full
listing on every lead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from connector.client.keap import RequestStats

#: How long a lead source name or custom-field label that Keap did not know stays "not found".
MISS_TTL = 300.0

#: Fetches the whole listing: lower-cased name -> id. The stats belong to the lead that asked.
Fetch = Callable[[RequestStats], dict[str, int]]


def name_key(name: str) -> str:
    """Names are matched case-insensitively and without surrounding blanks, as Keap's UI does."""
    return name.strip().lower()


class NameCache:
    """A lazily fetched name -> id table with a per-name miss timer."""

    def __init__(self, fetch: Fetch, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._table: dict[str, int] | None = None
        self._misses: dict[str, float] = {}

    def get(self, name: str, stats: RequestStats) -> int | None:
        """The id for ``name``, fetching the listing when it is unknown (at most once per TTL)."""
        key = name_key(name)
        with self._lock:
            refetch = self._should_refetch(key)
            if refetch:
                self._table = self._fetch(stats)
            found = (self._table or {}).get(key)
            self._note_miss(key, found is None, refetch)
        return found

    def invalidate(self) -> None:
        """Forget the listing (a fresh model was fetched elsewhere); re-resolve lazily."""
        with self._lock:
            self._table = None

    def _should_refetch(self, key: str) -> bool:
        """Caller holds the lock. Refetch for unknown names not missed recently."""
        if self._table is None:
            return True
        if key in self._table:
            return False
        missed_at = self._misses.get(key)
        return missed_at is None or self._clock() - missed_at > MISS_TTL

    def _note_miss(self, key: str, missed: bool, refetched: bool) -> None:
        if not missed:
            self._misses.pop(key, None)
        elif refetched:  # the miss is confirmed by fresh data: start (or restart) its TTL
            self._misses[key] = self._clock()
