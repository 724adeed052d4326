"""What v1 and v2 say alike about the account: application configuration, user signatures.

Both documents describe the same configuration modules (v1 ``RestApplicationConfiguration``,
v2 ``GetSettingsResponse``); the values come from the tenant's state where it has them (the
business profile, the dropdown options, the opportunity stages, the account owner) and are
keapsim's fixed defaults elsewhere (no document gives values for them).
"""

from __future__ import annotations

import html
from typing import Any

from ..store import Tenant
from ..store.account import FAX_TYPES, PHONE_TYPES, SUFFIX_TYPES, TITLE_TYPES
from ..store.records import User
from .common import compact

# The module names of v2's ``fields`` parameter, lower-cased as the body's keys.
MODULES = (
    "affiliate",
    "appointment",
    "contact",
    "ecommerce",
    "email",
    "forms",
    "fulfillment",
    "invoice",
    "note",
    "opportunity",
    "task",
    "template",
)


def _joined(values: Any) -> str:
    return ",".join(values)


def application_configuration(tenant: Tenant, *, v1: bool) -> dict[str, Any]:
    """Every module; v1 types ``template.default_user_id`` as an integer, v2 as a string."""
    profile = tenant.account.profile()
    owner = tenant.users.account_owner()
    stages = [s.name for s in sorted(tenant.opportunity_stages.list(), key=lambda s: s.order)]
    address = profile.address
    sharing = {"appointment_types": "Call,Meeting", "share_opportunity_with_related_user": False}
    return {
        "affiliate": {
            "commission": {"levels": 1, "calculation_type": "Total", "participant_types": ""},
            "choose_affiliate": False,
            "display_affiliate_ip_address": False,
            "do_not_notify_affiliate": False,
            "use_referral_history_if_no_tracking_cookie": False,
            "skip_pay_if_unused": False,
        },
        "application": {
            "company": compact(
                {
                    "name": profile.name,
                    "email": profile.email,
                    "website": profile.website,
                    "phone": profile.phone,
                    "phone_ext": profile.phone_ext,
                    "street_address_1": address.get("line1"),
                    "street_address_2": address.get("line2"),
                    "city": address.get("locality"),
                    "state": address.get("region"),
                    "zip": address.get("postal_code") or address.get("zip_code"),
                    "country": address.get("country_code"),
                    "web_logo_url": profile.logo_url,
                }
            ),
            "time_zone": profile.time_zone,
            "default_view_locale": profile.language_tag.replace("-", "_"),
            "features_enabled": {"marketing": True},
        },
        "appointment": dict(sharing),
        "contact": {
            "title_types": _joined(TITLE_TYPES),
            "suffix_types": _joined(SUFFIX_TYPES),
            "contact_types": _joined(profile.contact_types),
            "phone_types": _joined(PHONE_TYPES),
            "fax_types": _joined(FAX_TYPES),
            "address_labels": {"line_1": "Street Address 1", "line_2": "Street Address 2"},
            "disable_contact_edit_in_client_login": False,
        },
        "ecommerce": {
            "currency": profile.currency_code,
            "default_country": address.get("country_code") or "USA",
            "credit_card_types": "Visa,MasterCard,American Express,Discover",
            "payment_types": "Credit Card,Cash,Check",
            "default_to_auto_charge": True,
            "default_charge_max_retry_attempts": 3,
            "default_number_of_days_between_charge_attempts": 1,
            "merchant_account_max_retry_attempts": 3,
            "track_cost_per_unit": False,
            "track_inventory": False,
        },
        "email": {"append_contact_key_to_links": False},
        "forms": {"spam_filters_enabled": True},
        "fulfillment": {},
        "invoice": {"tax_label": "Tax"},
        "note": dict(sharing),
        "opportunity": {
            "states": {"active": {"stages": _joined(stages)}, "win": {}, "loss": {}},
            **({"default_stage": stages[0]} if stages else {}),
        },
        "task": dict(sharing),
        "template": {"default_user_id": owner.id if v1 else str(owner.id)},
    }


def signature_html(user: User) -> str:
    """A user's email signature. keapsim's choice: no document describes how one is set, so it
    is the user's name and address as an HTML snippet (escaped)."""
    name = " ".join(p for p in (user.given_name, user.family_name) if p)
    return (
        f'<div class="signature"><p>{html.escape(name)}<br>'
        f'<a href="mailto:{html.escape(user.email_address)}">'
        f"{html.escape(user.email_address)}</a></p></div>"
    )
