"""The contact record of one tenant's CRM data and its enums (the other plain records are in
``records.py``). Field names are Keap's v1 names where v1 has the field (v1 is the older,
wider contract); the v2 adapter renames on the way out."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from datetime import datetime
from typing import Any, ClassVar

from ..datarecord import record_class

# v1 enums (keap-openapi/2025-11-05-v1.json); v2 spells some of them differently and its
# adapter translates.
EMAIL_FIELDS = ("EMAIL1", "EMAIL2", "EMAIL3")
PHONE_FIELDS = ("PHONE1", "PHONE2", "PHONE3", "PHONE4", "PHONE5")
FAX_FIELDS = ("FAX1", "FAX2")
ADDRESS_FIELDS = ("BILLING", "SHIPPING", "OTHER")
SOURCE_TYPES = (
    "APPOINTMENT",
    "FORMAPIHOSTED",
    "FORMAPIINTERNAL",
    "WEBFORM",
    "INTERNALFORM",
    "LANDINGPAGE",
    "IMPORT",
    "MANUAL",
    "API",
    "OTHER",
    "UNKNOWN",
)
SOCIAL_TYPES = ("Facebook", "Twitter", "LinkedIn", "Instagram", "Snapchat", "YouTube", "Pinterest")
DUPLICATE_OPTIONS = ("Email", "EmailAndName", "EmailAndNameAndCompany")
# The optional properties the v1 contact model advertises.
CONTACT_OPTIONAL_PROPERTIES = (
    "anniversary",
    "birthday",
    "company_name",
    "contact_type",
    "custom_fields",
    "fax_numbers",
    "job_title",
    "lead_source_id",
    "middle_name",
    "opt_in_reason",
    "origin",
    "owner_id",
    "preferred_locale",
    "preferred_name",
    "prefix",
    "relationships",
    "social_accounts",
    "source_type",
    "spouse_name",
    "suffix",
    "time_zone",
    "website",
    "tag_ids",
    "utm_parameters",
)

# Free-text properties that keep their name in the store, in v1 and in v2.
CONTACT_TEXT = (
    "given_name",
    "family_name",
    "middle_name",
    "prefix",
    "suffix",
    "preferred_name",
    "spouse_name",
    "job_title",
    "website",
    "contact_type",
    "preferred_locale",
    "time_zone",
)
CONTACT_SCALARS = CONTACT_TEXT + (
    "source_type",
    "opt_in_reason",
    "referral_code",
    "assistant_name",
    "assistant_phone",
    "company_name",
    "company_id",
    "owner_id",
    "lead_source_id",
    "birthday",
    "anniversary",
)
CONTACT_COLLECTIONS = (
    "email_addresses",
    "phone_numbers",
    "fax_numbers",
    "addresses",
    "social_accounts",
    "custom_fields",
)
CONTACT_FIELDS = CONTACT_SCALARS + CONTACT_COLLECTIONS + ("origin", "utm_parameters")
# The keys of an item of a contact collection, as the store keeps it and both versions send it.
PHONE_KEYS = ("number", "extension", "type", "field", "number_e164")
FAX_KEYS = ("number", "type", "field")
ADDRESS_KEYS = (
    "line1",
    "line2",
    "locality",
    "region",
    "postal_code",
    "zip_code",
    "zip_four",
    "country_code",
    "field",
)


class _SharedEmptyList(list[Any]):
    """The one empty list that every record without such items shares: a million contacts
    would otherwise hold four million empty lists (56 bytes and a tracked object each). It
    refuses changes, as every record collection should: records are replaced, not mutated."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]  # a dataclass default must hash
        return 0

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a shared empty collection: replace the record instead")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse


class _SharedEmptyDict(dict[Any, Any]):
    """As :class:`_SharedEmptyList`, for custom field values."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return 0

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a shared empty collection: replace the record instead")

    setdefault = update = pop = popitem = clear = _refuse
    __setitem__ = __delitem__ = __ior__ = _refuse


EMPTY_LIST: list[Any] = _SharedEmptyList()
EMPTY_DICT: dict[Any, Any] = _SharedEmptyDict()


class Item(Mapping[str, Any]):
    """One item of a contact collection (an email, a phone, an address ...), read-only and
    compact: a 2-key dict costs 184 bytes, an :class:`Item` 48 (one slot per value; the keys
    are held once by a class per key tuple, see :func:`item_of`). It reads as a mapping
    everywhere (``item["email"]``, ``.get``, iteration in the original key order, ``dict(item)``,
    equality with a dict); a change builds a new item, as records are replaced, not mutated."""

    __slots__ = ()
    _keys: ClassVar[tuple[str, ...]] = ()
    _slot_of: ClassVar[dict[str, str]] = {}

    # The key is looked up as it is (no isinstance check first: items are read on every
    # contact write and body, issue 18); a key that is not a string is simply absent, and one
    # that cannot be hashed is absent too rather than a TypeError (a dict would raise).
    def __getitem__(self, key: str) -> Any:
        try:
            slot = self._slot_of.get(key)
        except TypeError:
            slot = None
        if slot is None:
            raise KeyError(key)
        return getattr(self, slot)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            slot = self._slot_of.get(key)
        except TypeError:
            return default
        return default if slot is None else getattr(self, slot)

    def __contains__(self, key: object) -> bool:
        return key in self._slot_of

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return repr(dict(self))

    def __reduce__(self) -> tuple[Any, ...]:  # copy, deepcopy and pickle rebuild the item
        return item_of, (dict(self),)


# One Item class per key tuple seen (a few dozen in practice: the keys come from the
# normalised shapes). Incoming bodies may carry any keys, so past this many kinds an item stays
# a plain dict rather than minting classes without bound.
_MAX_ITEM_KINDS = 256
_item_kinds: dict[tuple[str, ...], type[Item]] = {}


def _item_kind(keys: tuple[str, ...]) -> type[Item] | None:
    """The :class:`Item` class for ``keys``, made on first sight (``None`` past the cap or for
    keys that are not all strings)."""
    kind = _item_kinds.get(keys)
    if kind is not None or len(_item_kinds) >= _MAX_ITEM_KINDS:
        return kind
    if not all(type(key) is str for key in keys):
        return None
    slots = tuple(f"_{i}" for i in range(len(keys)))
    # A generated __init__ stores the values straight into the slots: building items is most of
    # the cost of loading a state document (dataclasses generate theirs the same way).
    arguments = ", ".join(slots)
    body = "".join(f"\n    self.{slot} = {slot}" for slot in slots) or "\n    pass"
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self, {arguments}):{body}", namespace)  # slot names only, never keys
    attributes = {
        "__module__": __name__,
        "__slots__": slots,
        "__init__": namespace["__init__"],
        "_keys": keys,
        "_slot_of": dict(zip(keys, slots, strict=True)),
    }
    kind = _item_kinds[keys] = type("Item", (Item,), attributes)
    return kind


def item_of(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """``values`` as an :class:`Item` (itself when it is one already)."""
    if type(values).__base__ is Item:
        return values
    kind = _item_kind(tuple(values))
    return dict(values) if kind is None else kind(*values.values())


def compact_items(items: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``items`` with every item an :class:`Item`; the same list when all already are, and
    the shared empty list when there are none."""
    if not items:
        return EMPTY_LIST
    for item in items:  # a loop, not all(...): the bulk load calls this twice a contact
        if type(item).__base__ is not Item:
            return [item_of(each) for each in items]
    return items


def compact_collections(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with the contact collections kept compactly: every item an :class:`Item` and
    every empty collection the shared empty one."""
    for name in CONTACT_COLLECTIONS:
        value = fields.get(name)
        if value is None:
            continue
        if name == "custom_fields":
            if not value:
                fields[name] = EMPTY_DICT
        else:
            fields[name] = compact_items(value)
    return fields


@record_class
class Contact:
    id: int
    date_created: datetime
    last_updated: datetime
    given_name: str | None = None
    family_name: str | None = None
    middle_name: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    preferred_name: str | None = None
    spouse_name: str | None = None
    job_title: str | None = None
    website: str | None = None
    contact_type: str | None = None
    preferred_locale: str | None = None
    time_zone: str | None = None
    source_type: str | None = None
    opt_in_reason: str | None = None
    referral_code: str | None = None
    assistant_name: str | None = None
    assistant_phone: str | None = None
    company_name: str | None = None
    company_id: int | None = None
    owner_id: int | None = None
    lead_source_id: int | None = None
    birthday: str | None = None  # YYYY-MM-DD
    anniversary: str | None = None  # YYYY-MM-DD
    score_value: str | None = None
    email_addresses: list[Mapping[str, Any]] = field(default=EMPTY_LIST)
    phone_numbers: list[Mapping[str, Any]] = field(default=EMPTY_LIST)
    fax_numbers: list[Mapping[str, Any]] = field(default=EMPTY_LIST)
    addresses: list[Mapping[str, Any]] = field(default=EMPTY_LIST)
    social_accounts: list[Mapping[str, Any]] = field(default=EMPTY_LIST)
    custom_fields: dict[int, Any] = field(default=EMPTY_DICT)
    origin: dict[str, Any] | None = None
    utm_parameters: dict[str, Any] | None = None

    @property
    def primary_email(self) -> str | None:
        for item in self.email_addresses:
            if item.get("field") == "EMAIL1":
                return item.get("email")
        return self.email_addresses[0].get("email") if self.email_addresses else None

    @property
    def emails(self) -> list[str]:
        return [e["email"] for e in self.email_addresses if e.get("email")]

    @property
    def email_opted_in(self) -> bool:
        # Modelled: an opt-in reason given through the API makes the email marketable.
        return bool(self.opt_in_reason)

    @property
    def email_status(self) -> str:
        # A contact created through the API without opt-in is "NonMarketable" (captured
        # bodies, keap-facts.md §1.6); "UnengagedNonMarketable" is an address that was
        # marketable once and went unengaged, which nothing here models.
        return "UnengagedMarketable" if self.email_opted_in else "NonMarketable"
