"""What a flow may write on a contact that already exists (``existing_contacts`` rules).

Rules name whole properties or single slots; Keap replaces whole collections on update, so
the lead's allowed items are merged with the contact's other slots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connector.config import ConnectorConfig
from connector.contact_fields import TAGS, Selector, property_for


def existing_rules(
    config: ConnectorConfig, resolve_custom: Callable[[str], str] = str
) -> tuple[list[Selector], list[Selector]]:
    """The flow's update/preserve rules as selectors (custom field slots as ids)."""
    version = config.keap.api_version
    labels = config.custom_field_labels

    def selectors(names: list[str]) -> list[Selector]:
        out = []
        for name in names:
            sel = property_for(version, name, labels)
            assert sel is not None  # validated when the flow loaded
            if sel.prop == "custom_fields" and sel.slot is not None:
                sel = Selector(sel.prop, resolve_custom(sel.slot))
            out.append(sel)
        return out

    rules = config.existing_contacts
    return selectors(rules.update_fields), selectors(rules.preserve_fields)


def tags_allowed_on_existing(config: ConnectorConfig) -> bool:
    rules = config.existing_contacts
    if rules.update_fields and TAGS not in rules.update_fields:
        return False
    return TAGS not in rules.preserve_fields


def restrict_for_existing(
    body: dict[str, Any],
    config: ConnectorConfig,
    existing: dict[str, Any] | None,
    resolve_custom: Callable[[str], str] = str,
) -> dict[str, Any]:
    """Drop what the flow must not write on existing contacts; merge collection slots.

    Rules name whole properties (``owner_id``, the group ``phones``) or single slots
    (``phone_1``, ``custom_score``). Keap replaces whole collections on update ("Any item not
    listed here will be removed"), so phone/email/address/custom-field lists are merged with
    the existing contact's items by slot: the lead's allowed items win, the contact's other
    slots are kept.
    """
    update, preserve = existing_rules(config, resolve_custom)
    out: dict[str, Any] = {}
    for key, value in body.items():
        allowed = _allowed_part(key, value, update, preserve)
        if allowed is None:
            continue
        if existing and isinstance(allowed, list) and isinstance(existing.get(key), list):
            allowed = _merge_slots(key, allowed, existing[key])
        if allowed != []:
            out[key] = allowed
    return out


def _allowed_part(
    key: str, value: Any, update: list[Selector], preserve: list[Selector]
) -> Any | None:
    """The part of ``body[key]`` the rules let through, or None for nothing."""
    if update:
        chosen = [s for s in update if s.prop == key]
        if not chosen:
            return None
        if all(s.slot is not None for s in chosen) and isinstance(value, list):
            wanted = {s.slot for s in chosen}
            value = [item for item in value if _slot_of(key, item) in wanted]
    kept = [s for s in preserve if s.prop == key]
    if any(s.slot is None for s in kept):
        return None
    if kept and isinstance(value, list):
        dropped = {s.slot for s in kept}
        value = [item for item in value if _slot_of(key, item) not in dropped]
    return value


def _slot_of(key: str, item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    return str(item.get("id" if key == "custom_fields" else "field"))


# Writable keys of collection items; read-only ones (is_opt_in, email_opt_status...) are dropped.
_WRITABLE_ITEM_KEYS = {
    "email_addresses": {"email", "field"},
    "phone_numbers": {"number", "extension", "type", "field"},
    "addresses": {
        "line1",
        "line2",
        "locality",
        "region",
        "region_code",
        "country_code",
        "postal_code",
        "zip_code",
        "zip_four",
        "field",
    },
    "custom_fields": {"id", "content"},
    "fax_numbers": {"number", "type", "field"},
}


def _merge_slots(key: str, new: list[dict], old: list[dict]) -> list[dict]:
    if key not in _WRITABLE_ITEM_KEYS:
        return new
    writable = _WRITABLE_ITEM_KEYS[key]
    slot = "id" if key == "custom_fields" else "field"
    taken = {str(item.get(slot)) for item in new}
    keep = []
    for item in old:
        if not isinstance(item, dict) or str(item.get(slot)) in taken:
            continue
        if key == "custom_fields" and item.get("content") in (None, ""):
            continue
        keep.append({k: v for k, v in item.items() if k in writable and v is not None})
    return new + keep
