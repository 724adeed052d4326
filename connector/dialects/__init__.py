"""What differs between Keap's v1 and v2 APIs for the calls a delivery makes.

The delivery (``connector.delivery``) decides *what* to do; a :class:`Dialect` knows *how* one
API version says it: the upsert, applying tags, adding to a sequence, the note and the UTM
record. Each method sends the request(s) and returns Keap's answer in one shape for both
versions, so the delivery has no version branches. Errors are the client's ``KeapError``
subclasses, raised unchanged.

``protocol.py`` is the :class:`Dialect` protocol and the answers' shapes; ``v1.py`` and ``v2.py``
the two versions.
"""

from connector.config import ApiVersion
from connector.dialects.protocol import Dialect, NoteRequest, SequenceAnswer, UpsertAnswer
from connector.dialects.v1 import V1Dialect
from connector.dialects.v2 import V2Dialect

__all__ = [
    "DIALECTS",
    "Dialect",
    "NoteRequest",
    "SequenceAnswer",
    "UpsertAnswer",
    "V1Dialect",
    "V2Dialect",
    "dialect_for",
]

DIALECTS: dict[ApiVersion, Dialect] = {ApiVersion.V1: V1Dialect(), ApiVersion.V2: V2Dialect()}


def dialect_for(version: ApiVersion) -> Dialect:
    return DIALECTS[version]
