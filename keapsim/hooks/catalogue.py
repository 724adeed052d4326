"""Keap's REST hook event keys and delivery policy (keap-facts.md §3.6, §3.7).

Keap publishes no static list of event keys: the authoritative one is each account's
``GET /v1/hooks/event_keys``. :data:`EVENT_KEYS` is what public integration code copied from
that answer (third-party, not Keap's word; keap-facts.md §3.6 names the sources). Keap spells
the payment keys ``invoice.payment.add``, not ``invoice.payment_add`` (same section).
"""

from __future__ import annotations

EVENT_KEYS: tuple[str, ...] = (
    "appointment.add",
    "appointment.delete",
    "appointment.edit",
    "company.add",
    "company.delete",
    "company.edit",
    "contact.add",
    "contact.delete",
    "contact.edit",
    "contact.redact",
    "contactGroup.add",
    "contactGroup.applied",
    "contactGroup.delete",
    "contactGroup.edit",
    "contactGroup.removed",
    "invoice.add",
    "invoice.delete",
    "invoice.edit",
    "invoice.payment.add",
    "invoice.payment.delete",
    "invoice.payment.edit",
    "leadsource.add",
    "leadsource.delete",
    "leadsource.edit",
    "note.add",
    "note.delete",
    "note.edit",
    "opportunity.add",
    "opportunity.delete",
    "opportunity.edit",
    "opportunity.stage_move",
    "order.add",
    "order.delete",
    "order.edit",
    "product.add",
    "product.delete",
    "product.edit",
    "subscription.add",
    "subscription.delete",
    "subscription.edit",
    "task.add",
    "task.complete",
    "task.delete",
    "task.edit",
    "task.incomplete",
    "user.activate",
    "user.add",
    "user.edit",
)
KNOWN_EVENT_KEYS = frozenset(EVENT_KEYS)

# -- the store's events and Keap's keys ------------------------------------------------------
# The store raises ``<noun>.add|edit|delete`` for every table (keapsim/store/base.py) plus the
# few verbs Keap has (``contactGroup.applied|removed``, ``opportunity.stage_move``). Where the
# store's noun is Keap's (contact, contactGroup, company, note, leadsource, opportunity, user),
# the event is delivered as it is. The other nouns are keapsim's own names for records Keap
# raises no hook for; they are never deliverable: a subscription must name a key of
# EVENT_KEYS (a 400 otherwise), so nothing outside the catalogue can reach a receiver. The
# table is in docs/simulator/hooks.md; tests/hooks/test_events.py checks that every noun the
# store raises is in one of the two groups, so a new resource must be placed on purpose.
# The noun is all but the verb: ``invoice.payment.add`` is the ``invoice.payment`` noun's add.
KEAP_NOUNS = frozenset(key.rsplit(".", 1)[0] for key in EVENT_KEYS)
KEAPSIM_ONLY_NOUNS = frozenset(
    {
        "affiliate",  # affiliates and their programs, links, ledger (COM-4): no Keap hook
        "affiliateCommission",
        "affiliatePayment",
        "affiliateProgram",
        "affiliateProgramResource",
        "affiliateRedirect",
        "campaign",  # Keap has no campaign.* hook
        "contactGroupCategory",  # tag categories
        "contactLink",
        "contactLinkType",
        "creditCard",
        "merchant",  # merchant accounts (commerce)
        "paymentMethodConfig",  # payment web-component sessions
        "shippingMethod",
        "transaction",  # gateway transactions behind payments (Keap hooks only payments)
        "account",  # the account / business profile
        "automationCategory",
        "customField",
        "customFieldGroup",  # custom-field groups and tabs (the models' layout)
        "customFieldTab",
        "discount",  # the five discount kinds (COM-3)
        "file",
        "email",  # email records and the outbox (Keap has no email.* hook)
        "emailAddress",  # an address's opt-in status
        "emailTemplate",
        "noteTemplate",
        "leadsourceCategory",
        "leadsourceExpense",
        "leadsourceRecurringExpense",
        "opportunityStage",  # pipeline stages; a move raises Keap's opportunity.stage_move
        "opportunityStageMove",  # the stage-move history record of a move
        "productCategory",  # product categories (Keap has product.* only)
        "productInterest",  # interest bundles and their interests
        "productInterestBundle",
        "productOption",  # a product's options and their list items
        "subscriptionPlan",  # a product's plans (subscription.* is customers' subscriptions)
        "referral",
        "report",
        "userGroup",
        "webform",
        "wordpressOptInOption",
    }
)

# -- delivery policy (keap-facts.md §3.7) ----------------------------------------------------
MAX_OBJECTS_PER_DELIVERY = 1000
MAX_ATTEMPTS = 4
FIRST_ATTEMPT_WINDOW = (30.0, 60.0)
# "For contactGroup.applied and contactGroup.delete the interval is 5-10 minutes."
SLOW_EVENT_KEYS = frozenset({"contactGroup.applied", "contactGroup.delete"})
SLOW_FIRST_ATTEMPT_WINDOW = (300.0, 600.0)
# Seconds after a failed attempt until the next one, by the number of the next attempt.
RETRY_WINDOWS: dict[int, tuple[float, float]] = {
    2: (30.0, 60.0),
    3: (300.0, 300.0),
    4: (1800.0, 1800.0),
}
GONE = 410

# The v1 collection of each object type, for a delivered object's ``apiUrl`` (models.py).
V1_COLLECTIONS = {
    "affiliate": "affiliates",
    "appointment": "appointments",
    "company": "companies",
    "contact": "contacts",
    "contactGroup": "tags",
    "note": "notes",
    "opportunity": "opportunities",
    "order": "orders",
    "product": "products",
    "subscription": "subscriptions",
    "task": "tasks",
    "user": "users",
}


def is_failure(status: int) -> bool:
    """Keap's rule: an answer below 200 or from 400 up, except 410, is a failed attempt
    (3xx is not: redirects are not followed, and Keap does not count them as failures)."""
    return (status < 200 or status >= 400) and status != GONE
