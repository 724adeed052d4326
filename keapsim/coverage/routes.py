"""The API routes a Flask app serves, in the form the documents' operations compare with.

An operation is served when the app has a rule whose path, below ``/crm/rest``, equals the
operation's path once every placeholder is reduced to ``{}`` (``<contact_id>`` in the rule,
``{contactId}`` in the document), and whose methods include the operation's method. Literal
parts must match exactly, so ``/v2/contacts:merge`` needs a rule ending in ``contacts:merge``;
a rule that captured the action in a variable would not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.routing import Map

API_PREFIX = "/crm/rest"
# HEAD and OPTIONS are added to every rule by Flask; the documents describe neither.
ROUTED_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "PATCH"})
_CONVERTER = re.compile(r"<[^>]+>")


@dataclass(frozen=True, order=True)
class Route:
    """One method of one Flask rule under ``/crm/rest``."""

    method: str
    rule: str  # as Flask knows it: "/crm/rest/v2/contacts/<contact_id>"

    @property
    def template(self) -> str:
        """The rule below /crm/rest with ``{}`` placeholders: "/v2/contacts/{}"."""
        return _CONVERTER.sub("{}", self.rule.removeprefix(API_PREFIX))

    @property
    def document(self) -> str:
        """The API version the rule belongs to ("v1", "v2", or "" for neither)."""
        first = self.template.split("/", 2)[1]  # the template always begins with "/"
        return first if first in ("v1", "v2") else ""


def api_routes(url_map: Map) -> list[Route]:
    """Every method of every rule whose path begins with ``/crm/rest/``."""
    found = []
    for rule in url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        for method in sorted((rule.methods or set()) & ROUTED_METHODS):
            found.append(Route(method, rule.rule))
    return sorted(found)
