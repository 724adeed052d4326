"""One Keap account ("application instance"): its settings and its resource stores.

The tenant only composes: each resource family is a store in its own module, registered by
one line below (``contacts: Slot[ContactStore] = Slot(".contacts")``: the attribute, the store
class and its module). A store is built, and its module imported, the first time the tenant is
asked for it (``tenant.contacts``, ``tenant.store("contacts")``); it then attaches to the
stores it reacts to (cascades), building those in turn. ``tenant.stores`` builds them all.
Every store shares the tenant's :class:`~keapsim.store.core.StoreCore`: one lock, one clock,
the id sequences and the change events (``tenant.events``).

Why on first use, and why that changes nothing a client can see: docs/design/store.md, "Stores
built on first use". In short: importing the ~60 store modules and building 54 stores cost
~40 ms of every start while a first request needs a few; a store never built is empty, and
an empty store's cascades, events and ids are none, so building it later is the same as
having built it at the start, given that (1) each table runs its cascades in the registry
order of the stores that added them (``base.Cascades``), whenever those were built, (2) a
store that changes another one's behaviour when it attaches is built with it (``COMPANIONS``),
and (3) the only store with a seed, ``users`` (the account owner, whose timestamps are on the
wire), is built with the tenant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast, overload

from ..config import TenantSettings
from .core import StoreCore
from .events import EventBus
from .memory import release_freed_memory

if TYPE_CHECKING:
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
    from .credit_cards import CreditCardStore
    from .custom_fields import CustomFieldGroupStore, CustomFieldStore, CustomFieldTabStore
    from .discounts import DiscountStore
    from .email_statuses import EmailStatusStore
    from .email_templates import EmailTemplateStore, NoteTemplateStore
    from .emails import EmailStore
    from .files import FileStore
    from .lead_sources import (
        LeadSourceCategoryStore,
        LeadSourceExpenseStore,
        LeadSourceRecurringExpenseStore,
        LeadSourceStore,
    )
    from .notes import NoteStore
    from .opportunities import OpportunityStageStore, OpportunityStore, StageMoveStore
    from .orders import OrderStore
    from .payments import ChargePolicy, MerchantStore, PaymentStore, TransactionStore
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

S = TypeVar("S", bound="RecordStore[Any]")


class Slot(Generic[S]):
    """One entry of the registry: a store attribute of :class:`Tenant`. Its class is named by
    the annotation (``Slot[ContactStore]``, so mypy knows ``tenant.contacts`` is a
    ``ContactStore``) and found in ``module``, imported when a tenant first reads the
    attribute. A non-data descriptor: the built store becomes an instance attribute, which
    Python reads before a non-data descriptor, so later reads never call ``__get__``."""

    __slots__ = ("_class", "class_name", "module", "name", "rank")

    def __init__(self, module: str) -> None:
        self.module = module
        self.name = ""
        self.class_name = ""
        self.rank = 0  # the position in the registry (the order of cascades)
        self._class: type[S] | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        # The annotation is a string (postponed annotations): "Slot[ContactStore]".
        annotation: str = owner.__annotations__[name]
        self.class_name = annotation.partition("[")[2].rstrip("]")

    @overload
    def __get__(self, tenant: None, owner: type[Tenant]) -> Slot[S]: ...

    @overload
    def __get__(self, tenant: Tenant, owner: type[Tenant]) -> S: ...

    def __get__(self, tenant: Tenant | None, owner: type[Tenant]) -> Slot[S] | S:
        if tenant is None:
            return self
        return tenant._build_store(self)  # only when the store is not in tenant.__dict__ yet

    def store_class(self) -> type[S]:
        """The store class (its module imported on the first call)."""
        found = self._class
        if found is None:
            module = import_module(self.module, __package__)
            found = self._class = cast("type[S]", getattr(module, self.class_name))
        return found


class _Registry:
    """``Tenant.STORES``: every registered store class by name, in registry order. It imports
    every store module: for snapshots, the dashboard and tests, never the request path."""

    def __get__(
        self, tenant: Tenant | None, owner: type[Tenant]
    ) -> dict[str, type[RecordStore[Any]]]:
        return {slot.name: slot.store_class() for slot in SLOTS}


class Tenant:
    """A tenant's CRM state. ``now`` is the simulator clock's ``now``."""

    # -- the registry: one line per resource store (attribute: Slot[store class], its module) --
    contacts: Slot[ContactStore] = Slot(".contacts")
    tag_categories: Slot[TagCategoryStore] = Slot(".tags")
    tags: Slot[TagStore] = Slot(".tags")
    campaigns: Slot[CampaignStore] = Slot(".campaigns")
    notes: Slot[NoteStore] = Slot(".notes")
    users: Slot[UserStore] = Slot(".users")
    lead_source_categories: Slot[LeadSourceCategoryStore] = Slot(".lead_sources")
    lead_sources: Slot[LeadSourceStore] = Slot(".lead_sources")
    custom_field_tabs: Slot[CustomFieldTabStore] = Slot(".custom_fields")
    custom_field_groups: Slot[CustomFieldGroupStore] = Slot(".custom_fields")
    custom_fields: Slot[CustomFieldStore] = Slot(".custom_fields")
    companies: Slot[CompanyStore] = Slot(".companies")
    opportunity_stages: Slot[OpportunityStageStore] = Slot(".opportunities")
    opportunities: Slot[OpportunityStore] = Slot(".opportunities")
    stage_moves: Slot[StageMoveStore] = Slot(".opportunities")
    automation_categories: Slot[AutomationCategoryStore] = Slot(".automations")
    lead_source_expenses: Slot[LeadSourceExpenseStore] = Slot(".lead_sources")
    lead_source_recurring_expenses: Slot[LeadSourceRecurringExpenseStore] = Slot(".lead_sources")
    reports: Slot[ReportStore] = Slot(".reports")
    webforms: Slot[WebformStore] = Slot(".webforms")
    referrals: Slot[ReferralStore] = Slot(".referrals")
    wordpress_options: Slot[WordPressOptionStore] = Slot(".wordpress")
    tasks: Slot[TaskStore] = Slot(".tasks")
    appointments: Slot[AppointmentStore] = Slot(".tasks")
    email_statuses: Slot[EmailStatusStore] = Slot(".email_statuses")
    emails: Slot[EmailStore] = Slot(".emails")
    email_templates: Slot[EmailTemplateStore] = Slot(".email_templates")
    note_templates: Slot[NoteTemplateStore] = Slot(".email_templates")
    account: Slot[AccountStore] = Slot(".account")
    files: Slot[FileStore] = Slot(".files")
    contact_link_types: Slot[ContactLinkTypeStore] = Slot(".contact_links")
    contact_links: Slot[ContactLinkStore] = Slot(".contact_links")
    credit_cards: Slot[CreditCardStore] = Slot(".credit_cards")
    user_groups: Slot[UserGroupStore] = Slot(".user_groups")
    product_categories: Slot[ProductCategoryStore] = Slot(".product_categories")
    products: Slot[ProductStore] = Slot(".products")
    subscription_plans: Slot[SubscriptionPlanStore] = Slot(".subscription_plans")
    product_options: Slot[ProductOptionStore] = Slot(".product_options")
    product_interest_bundles: Slot[ProductInterestBundleStore] = Slot(".product_interests")
    product_interests: Slot[ProductInterestStore] = Slot(".product_interests")
    merchants: Slot[MerchantStore] = Slot(".payments")
    orders: Slot[OrderStore] = Slot(".orders")
    payments: Slot[PaymentStore] = Slot(".payments")
    transactions: Slot[TransactionStore] = Slot(".payments")
    shipping_methods: Slot[ShippingMethodStore] = Slot(".sales")
    payment_method_configs: Slot[PaymentMethodConfigStore] = Slot(".sales")
    affiliate_programs: Slot[CommissionProgramStore] = Slot(".affiliate_programs")
    affiliates: Slot[AffiliateStore] = Slot(".affiliates")
    affiliate_program_resources: Slot[ProgramResourceStore] = Slot(".affiliate_programs")
    affiliate_redirects: Slot[RedirectLinkStore] = Slot(".affiliate_redirects")
    affiliate_commissions: Slot[CommissionStore] = Slot(".affiliate_ledger")
    affiliate_payments: Slot[AffiliatePaymentStore] = Slot(".affiliate_ledger")
    discounts: Slot[DiscountStore] = Slot(".discounts")
    subscriptions: Slot[SubscriptionStore] = Slot(".subscriptions")

    STORES = _Registry()
    STORE_NAMES: ClassVar[tuple[str, ...]]

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
        self._charge_policy = charge_policy
        self.name = name or tenant_id
        self.settings = settings or TenantSettings()
        self.events = EventBus()
        self.core = StoreCore(now, self.events)
        self._built: dict[str, RecordStore[Any]] = {}  # the stores built, by name
        self._attaching: dict[str, RecordStore[Any]] = {}  # built, attach running (under lock)
        self._every: dict[str, RecordStore[Any]] | None = None  # tenant.stores, once made
        self._seed()

    @property
    def lock(self) -> threading.RLock:
        return self.core.lock

    @property
    def charge_policy(self) -> ChargePolicy:
        policy = self._charge_policy
        if policy is None:
            # A tenant made without the simulator's fault rules (tests): the card alone
            # decides. Made on first use, so that a tenant does not import the payments
            # module before it takes a payment.
            from .payments import NoChargeFaults

            policy = self._charge_policy = NoChargeFaults()
        return policy

    @charge_policy.setter
    def charge_policy(self, policy: ChargePolicy) -> None:
        self._charge_policy = policy

    def _seed(self) -> None:
        """What a new or reset tenant holds: its account owner (user 1). Built now, with the
        users store, not on first use: the owner's create and update times are on the wire
        (``GET /users``) and must be the tenant's creation time, as before."""
        with self.core.write():
            self.users.add_account_owner()

    def _build_store(self, slot: Slot[S]) -> S:
        """Build ``slot``'s store (once, whatever the threads): under the tenant lock, which
        every write holds, so no write sees a store half attached. The plain lock, not
        ``core.write()``: building changes no record, and a read that builds a store stays a
        read (``core.writes``: the change log and ``due.catch_up`` skip a tenant by it)."""
        name = slot.name
        store_class = slot.store_class()  # the import, outside the lock
        with self.core.lock:
            # ``is None`` tests, never ``or``: an empty store is falsy (it has a length).
            built = self._built.get(name)
            if built is None:
                built = self._attaching.get(name)
            if built is not None:  # another thread built it meanwhile, or a cycle of attaches
                return cast("S", built)
            store = store_class(self)
            core = self.core
            outer, core.attaching = core.attaching, slot.rank
            self._attaching[name] = store  # an attach may come back to it (a cycle)
            try:
                store.attach()  # builds the stores it attaches to
            finally:
                del self._attaching[name]
                core.attaching = outer
            # Published once attached: ``built`` and ``store`` read ``_built`` without the lock.
            self._built[name] = store
            # From now on an instance attribute, which Python finds before a non-data
            # descriptor. setattr, not ``self.__dict__[name] = ``: that would turn the
            # tenant's inline attribute values into a dict, and CPython 3.11 specialises no
            # attribute read of such an instance (``tenant.core``: 5.7 ns -> ~20 ns a read).
            # The store's own name is read through the generic path even so (CPython
            # specialises no read of an attribute that shadows a class attribute): ~18 ns
            # where the eagerly built tenant's took ~7 (docs/design/store.md).
            setattr(self, name, store)
            for companion in COMPANIONS.get(name, ()):
                getattr(self, companion)
            return store

    @property
    def stores(self) -> dict[str, RecordStore[Any]]:
        """Every store by registered name, in registry order, built now if they were not
        (snapshots, the dashboard, the change log; requests read single stores). The same
        dict until a reset: the change log tells a reset by its identity."""
        every = self._every
        if every is None:
            with self.core.lock:
                every = self._every
                if every is None:
                    every = {slot.name: getattr(self, slot.name) for slot in SLOTS}
                    self._every = every
        return every

    def store(self, name: str) -> RecordStore[Any]:
        """A store by its registered name (declared resources name the stores they refer to);
        ``KeyError`` for a name the registry lacks."""
        built = self._built.get(name)
        if built is not None:
            return built
        store: RecordStore[Any] = self._build_store(SLOTS_BY_NAME[name])
        return store

    def built(self, name: str) -> RecordStore[Any] | None:
        """The store if it has been built since the tenant was made or reset, else ``None``:
        a store never built is empty (for checks that must not build one, e.g.
        ``due.catch_up`` before every request)."""
        return self._built.get(name)

    def reset(self) -> None:
        """Forget all CRM data (settings, credentials and event subscribers stay); the account
        owner comes back. The old records are freed at once, not left to a later collection."""
        with self.core.write():
            freed = self._clear_stores()
            self.core.next_ids.clear()
            # New stores, built on first use again; a new ``stores`` dict (the change log
            # tells the reset by it).
            for name in self._built:
                delattr(self, name)  # the slot answers again (delattr: no dict made)
            self._built = {}
            self._every = None
            self._seed()
        release_freed_memory(freed)

    def discard(self) -> None:
        """Free every record of a tenant that is being dropped (deleted, or replaced by a
        snapshot): they go at once, even while something still holds the tenant."""
        with self.core.write():
            freed = self._clear_stores()
        release_freed_memory(freed)

    def _clear_stores(self) -> int:
        """Empty every store built (one never built is empty); returns how many records were
        dropped."""
        freed = 0
        for store in list(self._built.values()):
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


SLOTS: tuple[Slot[Any], ...] = tuple(v for v in vars(Tenant).values() if isinstance(v, Slot))
"""The registry in order (the order ``tenant.stores`` lists them and cascades run in)."""
SLOTS_BY_NAME: dict[str, Slot[Any]] = {slot.name: slot for slot in SLOTS}
for _rank, _slot in enumerate(SLOTS):
    _slot.rank = _rank

STORE_NAMES: tuple[str, ...] = tuple(SLOTS_BY_NAME)
"""Every registered store name, in registry order, without importing a store module."""
Tenant.STORE_NAMES = STORE_NAMES

COMPANIONS: dict[str, tuple[str, ...]] = {
    # The discounts store, when it attaches, makes itself the orders' discount source
    # (``orders.discount_source``): built with the orders, so that the orders never price
    # with a different source than an eagerly built tenant's would (a test's own source set
    # on the orders included).
    "orders": ("discounts",),
}
"""Stores built right after the store they are listed for (see :meth:`Tenant._build_store`)."""
