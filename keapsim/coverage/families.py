"""Which resource families are commerce (issue 13) and which are CRM (issue 12).

A family is the document's tag for an operation. Commerce, per issue 13's list: products,
orders, subscriptions, transactions, discounts, merchants, shipping, payment methods and their
configs, affiliates, sales, product categories, product interest bundles. Every other family
is CRM. v1 puts orders, subscriptions and transactions under one tag, ``E-Commerce``.

The v1 ``Contact`` family keeps ``/v1/contacts/{contactId}/creditCards`` (its tag says so);
issue 12 lists those two operations under "contacts, the rest". The v2 contact-scoped payment
methods are tagged ``Payment Methods`` and so count as commerce.
"""

from __future__ import annotations

from typing import Literal

COMMERCE_FAMILIES: dict[str, frozenset[str]] = {
    "v1": frozenset({"Affiliate", "E-Commerce", "Merchant", "Product"}),
    "v2": frozenset(
        {
            "Affiliate",
            "Category Discounts",
            "Free Trial Discounts",
            "Merchants",
            "Order Total Discounts",
            "Orders",
            "Payment Method Configs",
            "Payment Methods",
            "Product Categories",
            "Product Discounts",
            "Product Interest Bundles",
            "Products",
            "Sales",
            "Shipping",
            "Shipping Discounts",
            "Subscription Plans",
            "Subscriptions",
        }
    ),
}


def area_of(document: str, family: str) -> Literal["crm", "commerce"]:
    return "commerce" if family in COMMERCE_FAMILIES.get(document, frozenset()) else "crm"
