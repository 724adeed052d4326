"""Memory and garbage-collection policy for a long-lived simulator holding many records.

CPython's cyclic collector walks every tracked object on a full collection: at a million
contacts that stops every request for seconds (issue 18). Records are replaced, never
mutated, and hold no reference cycles, so the collector has nothing to find among them.
The policy, applied where a server starts (``keapsim serve``, ``SimulatorServer``):

- full collections are deferred (``gc.set_threshold``'s third value raised from 10 to
  :data:`FULL_COLLECTION_EVERY`): young collections still run as usual, so short-lived
  request garbage is reclaimed at once, but the whole heap is walked 100× less often;
- a bulk load (seeding, loading a snapshot) runs with the collector paused and then
  freezes what it built (``gc.freeze()``): those objects move to the permanent generation,
  which no collection walks. They are still freed by reference counting when a tenant is
  reset or deleted;
- a reset clears its tables at once and asks the C allocator to hand freed pages back.

In-process use (pytest) keeps CPython's defaults unless a test server applies the policy.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

FULL_COLLECTION_EVERY = 1000  # young-generation-1 collections per full one (CPython: 10)

_applied = False


def apply_gc_policy() -> None:
    """Defer full collections for the rest of the process (idempotent)."""
    global _applied
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
    _applied = True


def policy_applied() -> bool:
    return _applied


@contextmanager
def bulk_load() -> Iterator[None]:
    """Pause the collector while many records are built (it would otherwise walk the growing
    heap again and again), then, under the server policy, freeze the result."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        if _applied:
            gc.freeze()


# Below this many freed records a reset leaves the allocator alone (trimming walks the heap:
# not worth it for the small tenants tests reset thousands of times).
TRIM_AFTER_RECORDS = 50_000


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    # Imported here: only a reset of 50,000 records gets this far, and ctypes is ~1 ms of
    # every start (docs/design/index.md, "Start-up").
    import ctypes

    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim  # glibc, already loaded
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


def release_freed_memory(records: int) -> None:
    """After ``records`` were freed, ask glibc to return freed heap pages to the system (a
    no-op for small counts and where malloc_trim does not exist)."""
    if records < TRIM_AFTER_RECORDS:
        return
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
