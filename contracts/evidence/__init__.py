"""Evidence cassettes: Keap exchanges *reconstructed* from public documentation.

No public recording of Keap's REST API exists. These cassettes rebuild, exchange by
exchange, what public sources show the real API answering (gateway 401 bodies, the 2025
throttling body with quota headers, token endpoint errors, v1 ``{"message"}`` bodies, the
tag-apply status map...). Every cassette says ``reconstructed: true`` and lists its sources;
every exchange says where it comes from. They are never presented as recordings.

Where a source shows only part of an exchange (e.g. a status without a body), the exchange
carries ``compare: status`` or ``shape: subset`` so the verifier checks only what is known.

The package, one idea per module:

- ``sources``: the API's addresses and every cited source;
- ``bodies``: headers and bodies several cassettes share;
- ``build``: the exchange and cassette constructors;
- ``gateway``, ``throttling``, ``oauth``, ``records``: cassettes rebuilt from quoted
  exchanges, one function per cassette;
- ``captured_bodies``, ``captured_contacts``, ``captured_tags``, ``captured_opportunities``:
  cassettes replaying bodies a real account sent (keap-facts.md §9);
- ``catalogue``: every cassette in order, ``build_all`` and ``write_all``.

``python -m contracts.evidence`` rewrites ``contracts/cassettes/evidence/``; a test checks
the shipped files match this package.
"""

from __future__ import annotations

from contracts import EVIDENCE_DIR
from contracts.evidence.captured_bodies import CAPTURED_V1_CONTACT, V2_CONTACT_OPTIONAL
from contracts.evidence.catalogue import build_all, write_all

__all__ = [
    "CAPTURED_V1_CONTACT",
    "EVIDENCE_DIR",
    "V2_CONTACT_OPTIONAL",
    "build_all",
    "write_all",
]
