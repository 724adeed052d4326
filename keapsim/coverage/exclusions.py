"""Operations keapsim deliberately leaves out, each with its reason: the one place they are listed.

An excluded operation counts as not implemented; ``keapsim coverage --missing`` and
``docs/coverage.md`` show it with its reason. ``path`` is written as ``keapsim coverage`` prints
it (below ``/crm/rest``, placeholders named as in the document). A test checks that every entry
names an operation of the official documents and that none of them is served (an entry for an
operation that gets a route must go).

Example::

    Exclusion("v2", "POST", "/v2/emails:send", "sends real mail; keapsim never does"),
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exclusion:
    document: str  # "v1" | "v2"
    method: str  # upper case
    path: str  # "/v2/contacts:merge"
    reason: str


EXCLUSIONS: tuple[Exclusion, ...] = ()
