"""``python -m contracts.evidence``: rewrite ``contracts/cassettes/evidence/``."""

from __future__ import annotations

from contracts.evidence.catalogue import write_all

for path in write_all():
    print(path)
