"""Delivering one lead: validate -> render -> resolve -> contact -> tags -> sequences -> note.

The package reads in that order:

- ``connector.py``: :class:`Connector`, the public entry point; one attempt from plan to result.
- ``run.py``: the records one delivery keeps (``Run``, ``Plan``) and ``FlowProblem``.
- ``plan.py``: validation and every template rendered before the first request.
- ``names.py``: lead-source names and custom-field labels resolved to ids (cached).
- ``contact_step.py``: find / create / upsert / update the contact, 409 handling
  (``contact_ids.py`` reads the id out of Keap's answers).
- ``follow_ups.py``: UTM, tags, sequences and the note once the contact is saved.
- ``reconcile.py``: an in-doubt lead of an interrupted run, looked up before it is re-sent
  (``times.py``: Keap's timestamps and the clock-skew margin).
"""

from connector.delivery.connector import Connector
from connector.delivery.follow_ups import SEQUENCE_OK, TAG_OK
from connector.delivery.run import FlowProblem
from connector.delivery.times import CLOCK_SKEW_MARGIN
from connector.lookups import MISS_TTL

__all__ = ["CLOCK_SKEW_MARGIN", "MISS_TTL", "SEQUENCE_OK", "TAG_OK", "Connector", "FlowProblem"]
