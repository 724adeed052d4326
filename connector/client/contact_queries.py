"""The contact reads' query strings per API version, and the local check of a match.

Keap's v1 and v2 contact reads ask differently for the same thing: v1 names optional
properties and filters by query parameters, v2 names ``fields`` and takes one ``filter``.
"""

from __future__ import annotations

from typing import Any

from connector.config import ApiVersion

#: The v1 contact model's optional properties the connector may write (a v1 read leaves every
#: one out unless asked; Keap refuses names outside the model's list).
V1_CONTACT_OPTIONAL = (
    "anniversary,birthday,contact_type,custom_fields,fax_numbers,job_title,lead_source_id,"
    "opt_in_reason,origin,preferred_locale,preferred_name,prefix,social_accounts,source_type,"
    "spouse_name,suffix,time_zone,website"
)
V2_CONTACT_FIELDS = (
    "addresses,birth_date,contact_type,create_time,custom_fields,email_addresses,family_name,"
    "given_name,job_title,leadsource_id,owner_id,phone_numbers,preferred_locale,source_type,"
    "tag_ids,update_time,utm_parameters,website"
)


def contact_search(
    version: ApiVersion,
    email: str,
    given_name: str | None,
    family_name: str | None,
    fields: str | None,
) -> tuple[str, dict[str, Any]]:
    """The path and query of a contact search by e-mail (and names) in ``version``."""
    if version is ApiVersion.V1:
        params: dict[str, Any] = {"email": email, "limit": 10}
        if given_name:
            params["given_name"] = given_name
        if family_name:
            params["family_name"] = family_name
        return "/v1/contacts", params
    clauses = [f"email=={email}"]
    if given_name:
        clauses.append(f"given_name=={given_name}")
    if family_name:
        clauses.append(f"family_name=={family_name}")
    # Without ``fields`` v2 sends only id and names (its model's optional properties
    # are "not transmitted by default"), and the match is confirmed on the addresses.
    wanted = f"email_addresses,{fields}" if fields else "email_addresses"
    return "/v2/contacts", {"filter": ";".join(clauses), "page_size": 10, "fields": wanted}


def contact_read(version: ApiVersion, contact_id: str) -> tuple[str, dict[str, Any]]:
    """The path and query that read one contact with every property the connector writes."""
    if version is ApiVersion.V1:
        return f"/v1/contacts/{contact_id}", {"optional_properties": V1_CONTACT_OPTIONAL}
    # v2 returns a default subset unless ``fields`` names what we need.
    return f"/v2/contacts/{contact_id}", {"fields": V2_CONTACT_FIELDS}


def has_email(contact: dict[str, Any], email: str) -> bool:
    """Whether ``contact`` has the address ``email`` (compared without case)."""
    wanted = email.lower()
    if str(contact.get("email", "")).lower() == wanted:  # v1 list items
        return True
    return any(
        str(e.get("email", "")).lower() == wanted
        for e in contact.get("email_addresses") or []
        if isinstance(e, dict)
    )
