"""Keap's OAuth2 authorization-code flow (keap-facts.md §2.1).

- ``GET /app/oauth/authorize``: Keap's authorize page (``accounts.infusionsoft.com`` in the live
  service). keapsim shows a one-button consent page; ``keapsim_auto_approve=1`` (or ``=deny``)
  in the query skips it, for headless tests.
- ``POST /app/oauth/authorize``: the consent form's answer.
- ``POST /token``: the ``authorization_code`` and ``refresh_token`` grants (``api.infusionsoft.com``
  in the live service), form-encoded, client authentication by HTTP Basic or body fields.
"""

from __future__ import annotations

from .views import blueprint

__all__ = ["blueprint"]
