"""What every flow model shares: strictness, and the check that its templates compile."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pydantic import BaseModel, ConfigDict

from connector.templates import TemplateSyntaxProblem, check_template


class StrictModel(BaseModel):
    # Unknown keys are almost always typos ("dupliactes:"), so they are errors, not ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Notes on templates translated from the guide's syntax, collected while a flow loads.
_LOAD_NOTES: ContextVar[list[str] | None] = ContextVar("load_notes", default=None)


def checked_template(template: str) -> str:
    """The template, once it compiles; a validator's ``ValueError`` names the problem."""
    try:
        notes = check_template(template)
    except TemplateSyntaxProblem as exc:
        raise ValueError(str(exc)) from None
    collected = _LOAD_NOTES.get()
    if collected is not None:
        collected.extend(f"template {template!r}: {note}" for note in notes)
    return template


@contextmanager
def collecting_load_notes() -> Iterator[list[str]]:
    """The notes ``checked_template`` makes while the block validates a flow."""
    notes: list[str] = []
    token = _LOAD_NOTES.set(notes)
    try:
        yield notes
    finally:
        _LOAD_NOTES.reset(token)


def strings_in(node: Any) -> list[str]:
    """Every string inside a YAML value (the templates of a ``contact.fields`` entry)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for v in node for s in strings_in(v)]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings_in(v)]
    return []
