"""The command line's side of the admin API (``keapsim scenario apply``, ``keapsim state``):
where a running keapsim listens by default, and how its answers are read."""

from __future__ import annotations

import httpx

DEFAULT_URL = "http://127.0.0.1:8400"


def admin_headers(admin_token: str | None) -> dict[str, str]:
    """The bearer credential a server started with ``--admin-token`` asks for."""
    return {"Authorization": f"Bearer {admin_token}"} if admin_token else {}


def error_text(response: httpx.Response) -> str:
    """The admin API's ``error`` message of a refusal, or the raw body if it is not JSON."""
    try:
        return response.json().get("error", response.text)
    except ValueError:
        return response.text
