"""Reading, validating and applying scenario files."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..clock import LATEST
from ..config import TenantSettings, deep_merge
from ..gateway.fault_spec import FaultSpec
from ..gateway.faults import FaultRule
from ..store import DomainError
from ..store.campaigns import WORDPRESS_GOAL, WORDPRESS_INTEGRATION
from ..store.resource import DeclaredStore

if TYPE_CHECKING:
    from ..simulator import Simulator, TenantCredentials
    from ..store import Tenant

log = logging.getLogger("keapsim.scenarios")

LIBRARY_DIR = Path(__file__).parent / "library"


class ScenarioError(ValueError):
    """A scenario that cannot be read, validated or applied; the message names the bad key."""


# -- the file's schema -----------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class SeedSpec(_Strict):
    contacts: int = Field(default=0, ge=0, description="fake contacts (keapsim.seed)")
    faker_seed: int | None = None


class TagSpec(_Strict):
    name: str
    description: str | None = None
    category: str | None = Field(default=None, description="category name (created if new)")


class GoalSpec(_Strict):
    name: str
    call_name: str = Field(description="an API goal's call name, or a WordPress opt-in key")
    integration: str = "keapsim"
    type: Literal["API", "WordPress"] = Field(
        default="API", description="WordPress: achieved through the WordPress opt-in option"
    )


class CampaignSpec(_Strict):
    name: str
    sequences: list[str] = Field(default_factory=list)
    goals: list[GoalSpec] = Field(default_factory=list)


class ReportSpec(_Strict):
    """A saved search (reports have no create operation in Keap's API)."""

    name: str
    tag: str | None = Field(default=None, description="only contacts with this tag (its name)")


class WebformSpec(_Strict):
    """A webform (no create operation in Keap's API); values as the v2 Webform schema's."""

    name: str
    webform_type: str = "STANDALONE"
    custom_slug: str | None = None
    thank_you_page_url: str | None = None
    fields: list[str] = Field(
        default_factory=lambda: ["given_name", "family_name", "email"],
        description="contact fields: given_name, family_name, email, phone, company_name",
    )


class TenantSpec(_Strict):
    """Which tenant to set up. Without ``id``: the simulator's default tenant (the one
    ``keapsim serve`` prints), or a new one if there is none. An ``id`` that does not exist yet
    is created (with ``api_key`` if given)."""

    id: str | None = None
    name: str | None = None
    api_key: str | None = Field(default=None, description="fixed API key for a new tenant")
    settings: dict[str, Any] = Field(
        default_factory=dict, description="TenantSettings fields: profile, throttle, limits, ..."
    )
    refresh_token_used: bool = Field(
        default=False, description="mark the tenant's current refresh tokens as already used"
    )
    seed: SeedSpec | None = None
    contacts: list[dict[str, Any]] = Field(
        default_factory=list, description="contact bodies in the v1 create shape"
    )
    tags: list[TagSpec] = Field(default_factory=list)
    campaigns: list[CampaignSpec] = Field(default_factory=list)
    reports: list[ReportSpec] = Field(default_factory=list)
    webforms: list[WebformSpec] = Field(default_factory=list)
    # Resources the API cannot create: their store fields (keapsim/store/email_templates.py).
    email_templates: list[dict[str, Any]] = Field(
        default_factory=list, description="email templates: piece_title, subject, text_body, ..."
    )
    note_templates: list[dict[str, Any]] = Field(
        default_factory=list, description="note templates: title, action_type, description, ..."
    )
    records: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict,
        description="records of any declared store by its registered name: "
        "{companies: [{company_name: Acme}]}; each through the store's own create",
    )


class ClockStep(_Strict):
    request: int = Field(ge=1, description="just before the n-th request after loading")
    advance: float = Field(gt=0, allow_inf_nan=False, description="seconds")


class ClockSpec(_Strict):
    freeze: bool = False
    advance: float = Field(
        default=0, ge=0, allow_inf_nan=False, description="seconds, once setup is done"
    )
    at_request: list[ClockStep] = Field(default_factory=list)


class Scenario(_Strict):
    name: str
    description: str = ""
    client_sees: str = Field(default="", description="what a client should observe")
    tenant: TenantSpec = Field(default_factory=TenantSpec)
    clock: ClockSpec = Field(default_factory=ClockSpec)
    faults: list[FaultSpec] = Field(default_factory=list)
    scope_to_tenant: bool = Field(
        default=True,
        description="fault rules without 'tenant' and request counts apply to this tenant only",
    )


@dataclass
class AppliedScenario:
    """What :func:`apply_scenario` did: the tenant (with credentials when keapsim knows them:
    a new tenant, or the default one) and the installed fault rules."""

    scenario: Scenario
    tenant_id: str
    credentials: TenantCredentials | None
    rules: list[FaultRule] = field(default_factory=list)
    created_tenant: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.scenario.name,
            "description": self.scenario.description,
            "client_sees": self.scenario.client_sees,
            "tenant_id": self.tenant_id,
            "created_tenant": self.created_tenant,
            "credentials": self.credentials.to_dict() if self.credentials else None,
            "faults": [rule.to_dict() for rule in self.rules],
        }


# -- loading ---------------------------------------------------------------------------------
def library() -> dict[str, Path]:
    """The scenarios shipped with keapsim, by name (file stem)."""
    return {path.stem: path for path in sorted(LIBRARY_DIR.glob("*.yaml"))}


def library_path(name: str) -> Path:
    shipped = library()
    stem = name.removesuffix(".yaml").removesuffix(".yml")
    if stem not in shipped:
        raise ScenarioError(
            f"no scenario file {name!r} and no shipped scenario of that name; shipped: "
            f"{', '.join(shipped)}"
        )
    return shipped[stem]


def _format(err: ValidationError, source: str, prefix: str = "") -> str:
    lines = [f"invalid scenario {source}:" if source else "invalid scenario:"]
    for problem in err.errors():
        where = prefix + (".".join(str(part) for part in problem["loc"]) or "(top level)")
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)


def validate_scenario(document: Any, source: str = "document") -> Scenario:
    """A :class:`Scenario` from parsed YAML/JSON; :class:`ScenarioError` names bad keys."""
    if not isinstance(document, dict):
        raise ScenarioError(f"invalid scenario {source}: expected a mapping at the top level")
    try:
        return Scenario.model_validate(document)
    except ValidationError as err:
        raise ScenarioError(_format(err, source)) from None


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Read a scenario file, or a shipped scenario by name, and validate it."""
    import yaml  # only scenario files need it; serving starts without it

    path = Path(path_or_name)
    if not path.is_file():
        path = library_path(str(path_or_name))
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ScenarioError(f"cannot parse {path}: {err}") from None
    return validate_scenario(document, str(path))


# -- applying --------------------------------------------------------------------------------
def apply_scenario(
    sim: Simulator, source: str | Path | Scenario | dict[str, Any]
) -> AppliedScenario:
    """Set up ``sim`` as the scenario says: tenant settings and data, refresh-token state, the
    clock (freeze, advance, advance at request counts) and fault rules.

    ``source``: a file path, a shipped scenario's name, a parsed document or a
    :class:`Scenario`. Raises :class:`ScenarioError` for invalid input.
    """
    if isinstance(source, Scenario):
        scenario = source
    elif isinstance(source, dict):
        scenario = validate_scenario(source)
    else:
        scenario = load_scenario(source)
    _check_clock_reach(sim, scenario.clock)
    spec = scenario.tenant
    tenant, credentials, created = _tenant(sim, spec)
    _configure(sim, tenant, spec)

    clock = scenario.clock
    if clock.freeze:
        sim.clock.freeze()
    if clock.advance:
        sim.clock.advance(clock.advance)
    scope = tenant.id if scenario.scope_to_tenant else None
    for step in clock.at_request:
        sim.journal.after_requests(step.request, _advancer(sim, step.advance), tenant=scope)

    rules = []
    for fault_spec in scenario.faults:
        if scope is not None and fault_spec.tenant is None:
            fault_spec = fault_spec.model_copy(update={"tenant": scope})
        rules.append(sim.faults.add(fault_spec))
    return AppliedScenario(scenario, tenant.id, credentials, rules, created)


def _check_clock_reach(sim: Simulator, clock: ClockSpec) -> None:
    """Refuse, before anything changes, a scenario whose clock steps together would move the
    clock past the latest date it can show (what ``/_keapsim/clock/advance`` refuses too)."""
    total = clock.advance + sum(step.advance for step in clock.at_request)
    if sim.clock.time() + total > LATEST:
        raise ScenarioError(
            "clock: the advances add up to more than the clock can reach (9000-01-01T00:00:00Z)"
        )


def _advancer(sim: Simulator, seconds: float) -> Callable[[], None]:
    def advance() -> None:
        try:
            sim.clock.advance(seconds)
        except ValueError:
            # Other advances since the scenario was loaded took the clock near its end: the
            # request goes on at the latest time the clock reached rather than failing.
            log.warning("scenario clock step of %s s skipped: past the clock's end", seconds)

    return advance


def _tenant(sim: Simulator, spec: TenantSpec) -> tuple[Tenant, TenantCredentials | None, bool]:
    settings = _settings(sim.defaults, spec.settings)
    default = sim.default_tenant
    if spec.id is None and default is not None:
        tenant = sim.tenant(default.tenant_id)
        if spec.name:
            tenant.name = spec.name
        return tenant, default, False
    if spec.id is not None and spec.id in sim.tenants:
        credentials = default if default and default.tenant_id == spec.id else None
        return sim.tenants[spec.id], credentials, False
    try:
        credentials = sim.create_tenant(
            tenant_id=spec.id, name=spec.name, settings=settings, api_key=spec.api_key
        )
    except ValueError as err:
        raise ScenarioError(f"tenant: {err}") from None
    return sim.tenant(credentials.tenant_id), credentials, True


def _settings(base: TenantSettings, changes: dict[str, Any]) -> TenantSettings:
    try:
        return TenantSettings.model_validate(deep_merge(base.model_dump(), changes))
    except ValidationError as err:
        raise ScenarioError(_format(err, "", prefix="tenant.settings.")) from None


def _configure(sim: Simulator, tenant: Tenant, spec: TenantSpec) -> None:
    if spec.settings:
        tenant.settings = _settings(tenant.settings, spec.settings)
    if spec.refresh_token_used:
        with sim.identity.lock:
            for token in sim.identity.refresh_tokens.values():
                if token.tenant_id == tenant.id:
                    token.used = True
    if spec.seed is not None and spec.seed.contacts:
        from ..seed import seed_tenant

        seed_tenant(tenant, spec.seed.contacts, spec.seed.faker_seed)
    categories: dict[str, int] = {c.name: c.id for c in tenant.tag_categories.values()}
    try:
        for index, data in enumerate(spec.contacts):
            where = f"tenant.contacts.{index}"
            tenant.contacts.create(data)
        for index, tag in enumerate(spec.tags):
            where = f"tenant.tags.{index}"
            category_id = None
            if tag.category:
                if tag.category not in categories:
                    categories[tag.category] = tenant.tag_categories.create(name=tag.category).id
                category_id = categories[tag.category]
            tenant.tags.create(tag.name, tag.description, category_id)
        for index, campaign in enumerate(spec.campaigns):
            where = f"tenant.campaigns.{index}"
            made = tenant.campaigns.create(
                campaign.name,
                campaign.sequences,
                [(g.name, g.integration, g.call_name) for g in campaign.goals if g.type == "API"],
            )
            _add_wordpress_goals(tenant, made.id, campaign)
        _add_reports_and_webforms(tenant, spec)
        for index, template in enumerate(spec.email_templates):
            where = f"tenant.email_templates.{index}"
            tenant.email_templates.create(**template)
        for index, template in enumerate(spec.note_templates):
            where = f"tenant.note_templates.{index}"
            tenant.note_templates.create(**template)
        _add_records(tenant, spec.records)
    except DomainError as err:
        raise ScenarioError(f"invalid scenario: {where}: {err.message}") from None


def _add_wordpress_goals(tenant: Tenant, campaign_id: int, campaign: CampaignSpec) -> None:
    """A WordPress goal listens to the opt-in option of its key (made if the tenant lacks it)."""
    for goal in campaign.goals:
        if goal.type != "WordPress":
            continue
        if not any(o.key == goal.call_name for o in tenant.wordpress_options.values()):
            tenant.wordpress_options.create(goal.call_name, goal.name)
        tenant.campaigns.add_goal(
            campaign_id,
            goal.name,
            WORDPRESS_GOAL,
            integration=WORDPRESS_INTEGRATION,
            call_name=goal.call_name,
        )


def _add_reports_and_webforms(tenant: Tenant, spec: TenantSpec) -> None:
    tags = {t.name: t.id for t in tenant.tags.values()}
    for index, report in enumerate(spec.reports):
        if report.tag is not None and report.tag not in tags:
            raise ScenarioError(f"invalid scenario: tenant.reports.{index}: no tag {report.tag!r}")
        tenant.reports.create(name=report.name, tag_id=tags.get(report.tag or ""))
    for index, form in enumerate(spec.webforms):
        try:
            tenant.webforms.create(**form.model_dump())
        except DomainError as err:
            raise ScenarioError(
                f"invalid scenario: tenant.webforms.{index}: {err.message}"
            ) from None


def _add_records(tenant: Tenant, records: dict[str, list[dict[str, Any]]]) -> None:
    """Records of any declared store (``Tenant.STORES``), in the file's order, each made by the
    store's own ``create`` so that the API's rules (required fields, lengths, choices, ids of
    other records) apply; a record it refuses names its place in the file."""
    # The classes, not the stores: only the stores the file names are built.
    declared = {n: c for n, c in type(tenant).STORES.items() if issubclass(c, DeclaredStore)}
    for store_name, values_list in records.items():
        if store_name not in declared:
            raise ScenarioError(_not_declared(tenant, store_name, declared))
        store = cast("DeclaredStore[Any]", tenant.store(store_name))
        for index, values in enumerate(values_list):
            where = f"tenant.records.{store_name}.{index}"
            try:
                store.create(**_typed_values(store, values, where))
            except DomainError as err:
                field_name = getattr(err, "field", None)
                place = f"{where}.{field_name}" if field_name else where
                raise ScenarioError(f"invalid scenario: {place}: {err.message}") from None


def _not_declared(tenant: Tenant, store_name: str, declared: dict[str, Any]) -> str:
    where = f"invalid scenario: tenant.records.{store_name}"
    if store_name in tenant.STORE_NAMES:  # contacts, tags, campaigns ... have their own rules
        return (
            f"{where}: {store_name} keeps hand-written rules and is not declared; make its "
            "records through the API (contacts, tags and campaigns have keys of their own "
            "under tenant)"
        )
    return f"{where}: no such declared store; declared stores are {', '.join(declared)}"


def _typed_values(store: DeclaredStore[Any], values: dict[str, Any], where: str) -> dict[str, Any]:
    """YAML has no ``Decimal`` and gives times as text: convert those fields' values (the
    store checks every other type itself)."""
    typed = dict(values)
    for item in store.spec.fields:
        value = typed.get(item.name)
        if value is None:
            continue
        try:
            if item.type is Decimal and isinstance(value, int | float | str):
                typed[item.name] = Decimal(str(value))
            elif item.type is datetime and isinstance(value, str | datetime):
                typed[item.name] = _aware(
                    datetime.fromisoformat(value) if isinstance(value, str) else value
                )
        except (InvalidOperation, ValueError):
            kind = "a number" if item.type is Decimal else "an ISO 8601 time"
            raise ScenarioError(
                f"invalid scenario: {where}.{item.name}: {value!r} is not {kind}"
            ) from None
    return typed


def _aware(moment: datetime) -> datetime:
    """A time without an offset is UTC (the simulator's clock is)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
