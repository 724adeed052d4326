"""Contact bodies the control-plane tests send."""

from __future__ import annotations


def new_contact(email: str = "lead@example.com") -> dict:
    return {"given_name": "Lead", "email_addresses": [{"email": email, "field": "EMAIL1"}]}
