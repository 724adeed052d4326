"""v2 business profile, settings, locales, user update and user signatures."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...store import NotFound
from ...store.account import AccountProfile
from ...store.regions import Country, Province, countries, find_country, find_province, provinces
from ...wire import jsonify
from ..common import BadInput, as_str, compact, json_body, listed_param, path_id, tenant
from ..settings import MODULES, application_configuration, signature_html
from . import blueprint
from .filters import masked, update_mask
from .shapes import user_v2

PROFILE_TEXT = (
    "name",
    "email",
    "website",
    "phone",
    "time_zone",
    "logo_url",
    "currency_code",
    "language_tag",
    "business_type",
    "business_primary_color",
    "business_secondary_color",
)
PROFILE_MASK = (
    "name",
    "email",
    "website",
    "phone",
    "address",
    "currency_code",
    "business_goals",
    "business_primary_color",
    "business_secondary_color",
)
# BusinessProfileAddressRequest: the document marks all six required.
ADDRESS_REQUIRED = ("line1", "line2", "locality", "region", "country_code", "postal_code")


def business_profile_v2(profile: AccountProfile) -> dict[str, Any]:
    body = compact({name: getattr(profile, name) for name in PROFILE_TEXT})
    body["business_goals"] = list(profile.business_goals)
    address = profile.address
    if address:
        shown = {k: address.get(k) for k in ADDRESS_REQUIRED}
        # A v1 address may carry a US zip_code instead of postal_code.
        shown["postal_code"] = shown["postal_code"] or address.get("zip_code")
        body["address"] = compact(shown)
    return body


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(f"{name} must be a list of strings", field=name)
    return value


def _profile_changes(body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in PROFILE_MASK:
        if name not in body:
            continue
        value = body[name]
        if name == "business_goals":
            changes[name] = None if value is None else _strings(value, name)
        elif name == "address":
            changes[name] = None if value is None else _address(value)
        else:
            changes[name] = as_str(value, name)
    return changes


def _address(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadInput("address must be an object", field="address")
    for key in ADDRESS_REQUIRED:
        if as_str(value.get(key), f"address.{key}") is None:
            raise BadInput(f"address.{key} is required", field=f"address.{key}")
    return {key: value[key] for key in ADDRESS_REQUIRED}


@blueprint.get("/businessProfile")
def get_business_profile() -> Response:
    return jsonify(business_profile_v2(tenant().account.profile()))


@blueprint.patch("/businessProfile")
def update_business_profile() -> Response:
    mask = update_mask(PROFILE_MASK)
    changes = masked(_profile_changes(json_body()), mask)
    return jsonify(business_profile_v2(tenant().account.update(**changes)))


# -- settings ---------------------------------------------------------------------------------
@blueprint.get("/settings/applications:isEnabled")
def application_enabled() -> Response:
    return jsonify(isEnabled=tenant().account.profile().application_enabled)


@blueprint.get("/settings/contactOptionTypes")
def contact_option_types() -> Response:
    return jsonify(option_types=list(tenant().account.profile().contact_types))


@blueprint.get("/settings/applications:getConfiguration")
def application_configuration_v2() -> Response:
    """``fields`` (the document's enum: AFFILIATE, APPOINTMENT …) narrows the modules; the
    ``application`` module is not in that enum, so it comes only when ``fields`` is absent."""
    config = application_configuration(tenant(), v1=False)
    wanted = listed_param("fields")
    if wanted:
        unknown = {w for w in wanted if w.lower() not in MODULES}
        if unknown:
            raise BadInput(f"Invalid fields: {', '.join(sorted(unknown))}", field="fields")
        config = {k: v for k, v in config.items() if k.upper() in wanted}
    return jsonify(config)


# -- locales ----------------------------------------------------------------------------------
def country_v2(country: Country) -> dict[str, Any]:
    return {"codes": {"alpha2": country.alpha2, "alpha3": country.alpha3}, "name": country.name}


def province_v2(province: Province) -> dict[str, Any]:
    """``country`` is the ISO 3166-1 alpha-3 code, as addresses carry it (keapsim's choice: the
    document types it only as a string)."""
    return {"code": province.code, "name": province.name, "country": province.country.alpha3}


def _country(code: str) -> Country:
    country = find_country(code)
    if country is None:
        raise NotFound("Country", code)
    return country


@blueprint.get("/locales/countries")
def list_countries() -> Response:
    return jsonify(countries=[country_v2(c) for c in countries()])


@blueprint.get("/locales/countries/<country_code>")
def get_country(country_code: str) -> Response:
    return jsonify(country_v2(_country(country_code)))


@blueprint.get("/locales/countries/<country_code>/provinces")
def list_provinces(country_code: str) -> Response:
    return jsonify(provinces=[province_v2(p) for p in provinces(_country(country_code))])


@blueprint.get("/locales/countries/<country_code>/provinces/<province_code>")
def get_province(country_code: str, province_code: str) -> Response:
    province = find_province(_country(country_code), province_code)
    if province is None:
        raise NotFound("Province", province_code)
    return jsonify(province_v2(province))


# -- users ------------------------------------------------------------------------------------
USER_MASK = (
    "address",
    "company_name",
    "email_address",
    "family_name",
    "fax_numbers",
    "given_name",
    "job_title",
    "phone_numbers",
    "time_zone",
    "website",
)
_USER_TEXT = {
    "given_name": "given_name",
    "family_name": "family_name",
    "company_name": "company_name",
    "website": "website",
    "time_zone": "time_zone",
    "title": "job_title",  # UpdateUserRequest.title: "The user's job title"
}
_ITEM_KEYS = {
    "phone_numbers": ("extension", "field", "number", "number_e164", "type"),
    "fax_numbers": ("field", "number", "type"),
}
_USER_ADDRESS_KEYS = (
    "country",
    "country_code",
    "field",
    "line1",
    "line2",
    "locality",
    "postal_code",
    "region",
    "region_code",
    "zip_code",
    "zip_four",
)


def _text_items(value: Any, name: str, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadInput(f"{name} must be an object", field=name)
    return {k: as_str(value[k], f"{name}.{k}") for k in keys if value.get(k) is not None}


def _user_changes(body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for wire, store in _USER_TEXT.items():
        if wire in body:
            changes[store] = as_str(body[wire], wire)
    if "given_name" in changes and not changes["given_name"]:
        raise BadInput("given_name cannot be empty", field="given_name")
    if "email_address" in body:
        email = _text_items(body["email_address"], "email_address", ("email",)).get("email")
        if not email or "@" not in email:
            raise BadInput("email_address.email must be an email address", field="email_address")
        changes["email_address"] = email
    for name, keys in _ITEM_KEYS.items():
        if name in body:
            items = body[name] or []
            if not isinstance(items, list):
                raise BadInput(f"{name} must be a list", field=name)
            changes[name] = [_text_items(item, name, keys) for item in items]
    if "address" in body:
        address = body["address"]
        changes["address"] = (
            None if address is None else _text_items(address, "address", _USER_ADDRESS_KEYS)
        )
    return changes


@blueprint.patch("/users/<user_id>")
def update_user(user_id: str) -> Response:
    ident = path_id(user_id, "User")
    users = tenant().users
    users.get(ident)
    mask = update_mask(USER_MASK)
    renames = {"email_address": ("email_address",), "job_title": ("job_title",)}
    changes = masked(_user_changes(json_body()), mask, renames)
    return jsonify(user_v2(users.update(ident, **changes)))


@blueprint.get("/users/<user_id>/signature")
def user_signature(user_id: str) -> Response:
    return jsonify(signature_html(tenant().users.get(path_id(user_id, "User"))))
