"""v1 account profile, settings, locales, user signatures and a contact's credit cards."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...store import NotFound
from ...store.account import (
    ADDRESS_KEYS,
    FAX_TYPES,
    PHONE_TYPES,
    PROFILE_FIELDS,
    SUFFIX_TYPES,
    TITLE_TYPES,
    AccountProfile,
)
from ...store.credit_cards import CreditCard
from ...store.regions import countries, find_country, provinces
from ...wire import jsonify
from ..common import BadInput, as_str, compact, json_body, path_id, tenant
from ..settings import application_configuration, signature_html
from . import blueprint

_TEXT_FIELDS = tuple(f for f in PROFILE_FIELDS if f not in ("address", "business_goals"))


def account_profile_v1(profile: AccountProfile) -> dict[str, Any]:
    """``AccountProfile``. Its address is a ``ContactAddress``, whose ``field`` is required:
    an address saved without one (through v2) shows as BILLING (keapsim's choice)."""
    body = compact({name: getattr(profile, name) for name in _TEXT_FIELDS})
    body["business_goals"] = list(profile.business_goals)
    if profile.address:
        body["address"] = {"field": "BILLING", **profile.address}
    return body


def _profile_changes(body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        if name in body:
            changes[name] = as_str(body[name], name)
    if "business_goals" in body:
        goals = body["business_goals"]
        if goals is not None and (
            not isinstance(goals, list) or not all(isinstance(g, str) for g in goals)
        ):
            raise BadInput("business_goals must be a list of strings", field="business_goals")
        changes["business_goals"] = goals
    if "address" in body:
        address = body["address"]
        if address is not None and not isinstance(address, dict):
            raise BadInput("address must be an object", field="address")
        if address is not None:
            for key in ADDRESS_KEYS:
                as_str(address.get(key), f"address.{key}")
        changes["address"] = address
    return changes


@blueprint.get("/account/profile")
def get_account_profile() -> Response:
    return jsonify(account_profile_v1(tenant().account.profile()))


@blueprint.put("/account/profile")
def update_account_profile() -> Response:
    """The fields sent replace the stored ones; fields left out keep their values (the document
    says only "Updates profile/company info")."""
    profile = tenant().account.update(**_profile_changes(json_body()))
    return jsonify(account_profile_v1(profile))


# -- settings (keap-facts.md §3.6: each answers ``{"value": ...}``) ---------------------------
@blueprint.get("/setting/application/configuration")
def application_configuration_v1() -> Response:
    return jsonify(application_configuration(tenant(), v1=True))


@blueprint.get("/setting/application/enabled")
def application_enabled_v1() -> Response:
    enabled = tenant().account.profile().application_enabled
    return jsonify(value="true" if enabled else "false")


@blueprint.get("/setting/contact/optionTypes")
def contact_option_types_v1() -> Response:
    return jsonify(value=",".join(tenant().account.profile().contact_types))


# -- locales ------------------------------------------------------------------------------------
@blueprint.get("/locales/countries")
def list_countries_v1() -> Response:
    """Keyed by ISO 3166-1 alpha-3 code, the code contact addresses use ("USA")."""
    return jsonify(countries={c.alpha3: c.name for c in countries()})


@blueprint.get("/locales/countries/<country_code>/provinces")
def list_provinces_v1(country_code: str) -> Response:
    """Keyed by ISO 3166-2 code ("US-AZ"), which contact addresses accept as a region."""
    country = find_country(country_code)
    if country is None:
        raise NotFound("Country", country_code)
    return jsonify(provinces={p.code: p.name for p in provinces(country)})


@blueprint.get("/locales/defaultOptions")
def default_options_v1() -> Response:
    return jsonify(
        contact_types=list(tenant().account.profile().contact_types),
        fax_types=list(FAX_TYPES),
        phone_types=list(PHONE_TYPES),
        suffix_types=list(SUFFIX_TYPES),
        title_types=list(TITLE_TYPES),
    )


# -- users ----------------------------------------------------------------------------------------
@blueprint.get("/users/<user_id>/signature")
def user_signature_v1(user_id: str) -> Response:
    """ "Returns an HTML string" (keap-facts.md §3.5): a JSON string."""
    return jsonify(signature_html(tenant().users.get(path_id(user_id, "User"))))


# -- a contact's credit cards -----------------------------------------------------------------
def contact_credit_card_v1(card: CreditCard) -> dict[str, Any]:
    return {
        "id": card.id,
        "card_number": card.masked_number,
        "card_type": card.card_type,
        "payment_method_id": str(card.id),
        "validation_status": card.status,
    }


def credit_card_added_v1(card: CreditCard) -> dict[str, Any]:
    body = compact(
        {
            "id": card.id,
            "contact_id": card.contact_id,
            "card_type": card.card_type,
            "expiration_month": card.expiration_month,
            "expiration_year": card.expiration_year,
            "name_on_card": card.name_on_card,
            "email_address": card.email_address,
            "validation_status": card.status,
        }
    )
    if card.address:
        body["address"] = {"field": "BILLING", **card.address}
    return body


@blueprint.get("/contacts/<contact_id>/creditCards")
def list_credit_cards_v1(contact_id: str) -> Response:
    the_tenant = tenant()
    ident = path_id(contact_id, "Contact")
    the_tenant.contacts.get(ident)
    return jsonify([contact_credit_card_v1(c) for c in the_tenant.credit_cards.of_contact(ident)])


@blueprint.post("/contacts/<contact_id>/creditCards")
def create_credit_card_v1(contact_id: str) -> tuple[Response, int]:
    """``card_number`` and the expiry are required (a card cannot be stored without them; the
    document marks nothing required)."""
    ident = path_id(contact_id, "Contact")
    body = json_body()
    for name in ("card_number", "expiration_month", "expiration_year"):
        if not body.get(name):
            raise BadInput(f"{name} is required", field=name)
    address = body.get("address")
    if address is not None and not isinstance(address, dict):
        raise BadInput("address must be an object", field="address")
    texts = {
        name: as_str(body.get(name), name)
        for name in ("card_type", "name_on_card", "email_address", "consent_type")
    }
    card = tenant().credit_cards.create(
        ident,
        as_str(body["card_number"], "card_number") or "",
        as_str(body["expiration_month"], "expiration_month") or "",
        as_str(body["expiration_year"], "expiration_year") or "",
        address={k: as_str(v, f"address.{k}") for k, v in (address or {}).items()},
        **texts,
    )
    return jsonify(credit_card_added_v1(card)), 201
