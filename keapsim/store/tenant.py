"""One Keap account ("application instance"): its settings and its resource stores.

The tenant only composes: each resource family is a store in its own module, registered by
one annotated line below (``contacts: ContactStore``); the registry builds them in that order,
then lets each attach to the others (cascades). Every store shares the tenant's
:class:`~keapsim.store.core.StoreCore`: one lock, one clock, the id sequences and the change
events (``tenant.events``).
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..config import TenantSettings
from .account import AccountStore
from .affiliate_ledger import AffiliatePaymentStore, CommissionStore
from .affiliate_programs import CommissionProgramStore, ProgramResourceStore
from .affiliate_redirects import RedirectLinkStore
from .affiliates import AffiliateStore
from .automations import AutomationCategoryStore
from .campaigns import CampaignStore
from .companies import CompanyStore
from .contact_links import ContactLinkStore, ContactLinkTypeStore
from .contacts import ContactStore
from .core import StoreCore
from .credit_cards import CreditCardStore
from .custom_fields import CustomFieldGroupStore, CustomFieldStore, CustomFieldTabStore
from .discounts import DiscountStore
from .email_statuses import EmailStatusStore
from .email_templates import EmailTemplateStore, NoteTemplateStore
from .emails import EmailStore
from .events import EventBus
from .files import FileStore
from .lead_sources import (
    LeadSourceCategoryStore,
    LeadSourceExpenseStore,
    LeadSourceRecurringExpenseStore,
    LeadSourceStore,
)
from .memory import release_freed_memory
from .notes import NoteStore
from .opportunities import OpportunityStageStore, OpportunityStore, StageMoveStore
from .orders import OrderStore
from .payments import (
    ChargePolicy,
    MerchantStore,
    NoChargeFaults,
    PaymentStore,
    TransactionStore,
)
from .product_categories import ProductCategoryStore
from .product_interests import ProductInterestBundleStore, ProductInterestStore
from .product_options import ProductOptionStore
from .products import ProductStore
from .referrals import ReferralStore
from .reports import ReportStore
from .resource import RecordStore
from .sales import PaymentMethodConfigStore, ShippingMethodStore
from .subscription_plans import SubscriptionPlanStore
from .subscriptions import SubscriptionStore
from .tags import TagCategoryStore, TagStore
from .tasks import AppointmentStore, TaskStore
from .user_groups import UserGroupStore
from .users import UserStore
from .webforms import WebformStore
from .wordpress import WordPressOptionStore


class Tenant:
    """A tenant's CRM state. ``now`` is the simulator clock's ``now``."""

    # -- the registry: one line per resource store (attribute name: store class) ---------------
    contacts: ContactStore
    tag_categories: TagCategoryStore
    tags: TagStore
    campaigns: CampaignStore
    notes: NoteStore
    users: UserStore
    lead_source_categories: LeadSourceCategoryStore
    lead_sources: LeadSourceStore
    custom_field_tabs: CustomFieldTabStore
    custom_field_groups: CustomFieldGroupStore
    custom_fields: CustomFieldStore
    companies: CompanyStore
    opportunity_stages: OpportunityStageStore
    opportunities: OpportunityStore
    stage_moves: StageMoveStore
    automation_categories: AutomationCategoryStore
    lead_source_expenses: LeadSourceExpenseStore
    lead_source_recurring_expenses: LeadSourceRecurringExpenseStore
    reports: ReportStore
    webforms: WebformStore
    referrals: ReferralStore
    wordpress_options: WordPressOptionStore
    tasks: TaskStore
    appointments: AppointmentStore
    email_statuses: EmailStatusStore
    emails: EmailStore
    email_templates: EmailTemplateStore
    note_templates: NoteTemplateStore
    account: AccountStore
    files: FileStore
    contact_link_types: ContactLinkTypeStore
    contact_links: ContactLinkStore
    credit_cards: CreditCardStore
    user_groups: UserGroupStore
    product_categories: ProductCategoryStore
    products: ProductStore
    subscription_plans: SubscriptionPlanStore
    product_options: ProductOptionStore
    product_interest_bundles: ProductInterestBundleStore
    product_interests: ProductInterestStore
    merchants: MerchantStore
    orders: OrderStore
    payments: PaymentStore
    transactions: TransactionStore
    shipping_methods: ShippingMethodStore
    payment_method_configs: PaymentMethodConfigStore
    affiliate_programs: CommissionProgramStore
    affiliates: AffiliateStore
    affiliate_program_resources: ProgramResourceStore
    affiliate_redirects: RedirectLinkStore
    affiliate_commissions: CommissionStore
    affiliate_payments: AffiliatePaymentStore
    discounts: DiscountStore
    subscriptions: SubscriptionStore

    STORES: typing.ClassVar[dict[str, type[RecordStore[Any]]]]

    def __init__(
        self,
        tenant_id: str,
        now: Callable[[], datetime],
        settings: TenantSettings | None = None,
        name: str | None = None,
        charge_policy: ChargePolicy | None = None,
    ) -> None:
        self.id = tenant_id
        # What may fail a card charge besides the card (the simulator hands its fault rules
        # in; docs/control/faults-payments.md). It outlives a reset, as fault rules do.
        self.charge_policy: ChargePolicy = (
            NoChargeFaults() if charge_policy is None else charge_policy
        )
        self.name = name or tenant_id
        self.settings = settings or TenantSettings()
        self.events = EventBus()
        self.core = StoreCore(now, self.events)
        self.stores: dict[str, RecordStore[Any]] = {}
        self._build()

    @property
    def lock(self) -> threading.RLock:
        return self.core.lock

    def _build(self) -> None:
        with self.core.write():
            self.stores = {name: store(self) for name, store in self.STORES.items()}
            for name, store in self.stores.items():
                setattr(self, name, store)
            for store in self.stores.values():
                store.attach()
            self.users.add_account_owner()

    def store(self, name: str) -> RecordStore[Any]:
        """A store by its registered name (declared resources name the stores they refer to)."""
        return self.stores[name]

    def reset(self) -> None:
        """Forget all CRM data (settings, credentials and event subscribers stay); the account
        owner comes back. The old records are freed at once, not left to a later collection."""
        with self.core.write():
            freed = self._clear_stores()
            self.core.next_ids.clear()
            self._build()
        release_freed_memory(freed)

    def discard(self) -> None:
        """Free every record of a tenant that is being dropped (deleted, or replaced by a
        snapshot): they go at once, even while something still holds the tenant."""
        with self.core.write():
            freed = self._clear_stores()
        release_freed_memory(freed)

    def _clear_stores(self) -> int:
        """Empty every store; returns how many records were dropped."""
        freed = 0
        for store in self.stores.values():
            freed += len(store)
            store.clear()
            for extra in store.extras():
                extra.load([])
        return freed

    # -- id sequences -------------------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        return self.core.next_id(kind)

    @property
    def next_ids(self) -> dict[str, int]:
        """The next id of each kind (snapshots save it so that ids keep growing after a load)."""
        with self.core.lock:
            return dict(self.core.next_ids)

    def restore_next_ids(self, next_ids: dict[str, int]) -> None:
        with self.core.lock:
            self.core.next_ids = dict(next_ids)


def _registered_stores() -> dict[str, type[RecordStore[Any]]]:
    hints = typing.get_type_hints(Tenant)
    return {
        name: hint
        for name, hint in hints.items()
        if isinstance(hint, type) and issubclass(hint, RecordStore)
    }


Tenant.STORES = _registered_stores()
