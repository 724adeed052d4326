"""Shipping methods (v2 ``/shipping``) and payment-method configs (v2
``/paymentMethodConfigs``): the small sales set-up records beside orders and payments.

Keap sets shipping methods up in its web app; the v2 document only lists them, so seed data
and :meth:`ShippingMethodStore.create` (Python, scenarios) make them. A payment-method config
is the session key Keap's payment web component needs to take a card for a contact; keapsim
keeps each one it hands out (a random token, never a secret of anything).
"""

from __future__ import annotations

import secrets
from dataclasses import field
from datetime import datetime
from typing import Any

from ..datarecord import record_class
from .base import Lookup, Query
from .indexes import HashIndex
from .models import Contact
from .resource import DeclaredStore, Field, ResourceSpec

# keapsim's choice: the document types ShippingMethod.type and status as bare strings.
SHIPPING_TYPES = ("FLAT_RATE", "WEIGHT", "ORDER_TOTAL", "PRODUCT_QUANTITY", "UPS", "USPS", "FEDEX")
SHIPPING_STATUSES = ("ACTIVE", "INACTIVE")


@record_class
class ShippingMethod:
    id: int
    name: str
    description: str | None = None
    type: str = "FLAT_RATE"
    status: str = "ACTIVE"
    international: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


SHIPPING_METHOD = ResourceSpec(
    record=ShippingMethod,
    kind="Shipping Method",
    id_kind="shipping_method",
    noun="shippingMethod",  # keapsim's own: Keap has no shipping hook
    fields=(
        Field("name", required=True, max_length=255),
        Field("description"),
        Field("type", default="FLAT_RATE", choices=SHIPPING_TYPES),
        Field("status", default="ACTIVE", choices=SHIPPING_STATUSES),
        Field("international", bool, default=False),
        Field("settings", dict, factory=dict),
    ),
)


class ShippingMethodStore(DeclaredStore[ShippingMethod]):
    spec = SHIPPING_METHOD


@record_class
class PaymentMethodConfig:
    id: int
    contact_id: int
    session_key: str
    create_time: datetime | None = None


PAYMENT_METHOD_CONFIG = ResourceSpec(
    record=PaymentMethodConfig,
    kind="Payment Method Config",
    id_kind="payment_method_config",
    noun="paymentMethodConfig",  # keapsim's own
    fields=(
        Field("contact_id", int, required=True, reference="contacts"),
        Field("session_key", required=True, max_length=64),
    ),
    created="create_time",
    indexes=lambda: [
        HashIndex[PaymentMethodConfig]("contact_id", lambda c: (c.contact_id,)),
    ],
)


class PaymentMethodConfigStore(DeclaredStore[PaymentMethodConfig]):
    spec = PAYMENT_METHOD_CONFIG

    def attach(self) -> None:
        self.tenant.contacts.table.on_remove.append(self._forget_contact)

    def _forget_contact(self, contact: Contact) -> None:
        query: Query[PaymentMethodConfig] = Query(lookups=[Lookup("contact_id", "eq", contact.id)])
        for config in list(self.select(query)):
            self.table.remove(config.id)

    def open_session(self, contact_id: int) -> PaymentMethodConfig:
        """A new session key for ``contact_id`` (an unknown contact is a 400)."""
        return self.create(contact_id=contact_id, session_key=secrets.token_urlsafe(24))
