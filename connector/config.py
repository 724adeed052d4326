"""Connector configuration: pydantic models and the YAML loader.

The YAML file and the pydantic model are the same thing: ``load_config(path)`` parses YAML and
validates it with ``ConnectorConfig``, so a typo or a wrong type is reported with the dotted path of
the offending key instead of surfacing later as a confusing HTTP error.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from connector.apiversion import ApiVersion
from connector.contact_fields import UPDATABLE_FIELDS, contact_field_problem, property_for
from connector.templates import TemplateSyntaxProblem, check_template

DEFAULT_BASE_URL = "https://api.infusionsoft.com/crm/rest"
#: Keap's consent page (keap-facts.md §2.1); the token endpoint is derived from base_url.
DEFAULT_AUTHORIZE_URL = "https://accounts.infusionsoft.com/app/oauth/authorize"
#: Where ``keap-connector auth login`` listens for Keap's redirect (register it with the app).
DEFAULT_REDIRECT_URI = "http://localhost:8765/callback"


class _Strict(BaseModel):
    # Unknown keys are almost always typos ("dupliactes:"), so they are errors, not ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Action(StrEnum):
    #: create or update the contact, then run tags, sequences and the note
    CONTACT = "contact"
    #: validate, normalise and map only; nothing is sent (useful to check a flow)
    VALIDATE_ONLY = "validate_only"


class DuplicateMode(StrEnum):
    UPDATE_EXISTING = "update_existing"
    CREATE_NEW = "create_new"
    SKIP_EXISTING = "skip_existing"


class MatchRule(StrEnum):
    EMAIL = "email"
    EMAIL_AND_NAME = "email_and_name"

    @property
    def duplicate_option(self) -> str:
        """The value Keap expects in ``duplicate_option``."""
        return "Email" if self is MatchRule.EMAIL else "EmailAndName"


class ErrorBehaviour(StrEnum):
    CONTINUE = "continue"
    STOP = "stop"


class PhonePolicy(StrEnum):
    """What to do with a phone number libphonenumber does not validate.

    Keap stores phone numbers as text, so a number it cannot dial (``555-0123``, a local
    number without area code) can still be worth keeping.
    """

    #: the default: a *possible* number (``555-0123``) is sent as given, with a warning; one
    #: that cannot be a phone number at all (``12345``: too short) fails the lead
    LENIENT = "lenient"
    #: any such number is sent as given, with a warning
    RAW = "raw"
    #: any such number is left out (the lead is delivered without it), with a warning
    DROP = "drop"
    #: any such number fails the lead
    STRICT = "strict"


class AddressType(StrEnum):
    BILLING = "BILLING"
    SHIPPING = "SHIPPING"
    OTHER = "OTHER"


class When(StrEnum):
    """When a follow-up (tag, sequence) applies, judged on the contact step's result."""

    ALWAYS = "always"
    NEW = "new"  # only when Keap created the contact
    DUPLICATE = "duplicate"  # only when an existing contact was matched


# v1 and v2 spell the source types differently (WEBFORM vs LANDING_PAGE / LANDINGPAGE); users may
# write either and the mapping converts to the spelling of the configured API version.
SOURCE_TYPES_V2 = {
    "API",
    "APPOINTMENT",
    "FORM_API_HOSTED",
    "FORM_API_INTERNAL",
    "IMPORT",
    "INTERNAL_FORM",
    "LANDING_PAGE",
    "MANUAL",
    "OTHER",
    "UNKNOWN",
    "WEBFORM",
}


def source_type_for(version: ApiVersion, value: str) -> str:
    """Spell a source type the way the given API version wants it."""
    canonical = value.strip().upper().replace("-", "_").replace(" ", "_")
    squashed = canonical.replace("_", "")
    v2 = next((s for s in SOURCE_TYPES_V2 if s.replace("_", "") == squashed), None)
    if v2 is None:
        raise ValueError(f"unknown source type {value!r}")
    return v2 if version is ApiVersion.V2 else v2.replace("_", "")


class OAuthCredentials(_Strict):
    type: Literal["oauth"] = "oauth"
    client_id: str
    client_secret: SecretStr
    #: JSON file holding access/refresh tokens; rewritten atomically on every refresh
    token_store: Path
    #: Seed tokens, used only when the token store does not exist yet.
    access_token: SecretStr | None = None
    refresh_token: SecretStr | None = None
    #: Refresh this long before the access token expires (Keap tokens last 24 h).
    refresh_margin_seconds: float = Field(default=300, ge=0)
    #: ``auth login``: the app's registered redirect URI, on this machine (loopback, http).
    redirect_uri: str = DEFAULT_REDIRECT_URI
    #: ``auth login``: the consent page. Derived as ``<scheme://host>/app/oauth/authorize`` from
    #: a base_url other than Keap's (keapsim serves it on its own host); Keap's otherwise.
    authorize_url: str | None = None
    scope: str = "full"

    @field_validator("redirect_uri")
    @classmethod
    def _loopback(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            raise ValueError("must be an http:// URI on this machine (localhost or 127.0.0.1)")
        if not parts.port:
            raise ValueError("must name a port, e.g. " + DEFAULT_REDIRECT_URI)
        return value


class ApiKeyCredentials(_Strict):
    type: Literal["api_key"] = "api_key"
    #: Personal access token or service account key, sent as X-Keap-API-Key
    api_key: SecretStr


Credentials = Annotated[OAuthCredentials | ApiKeyCredentials, Field(discriminator="type")]


class RateLimit(_Strict):
    requests_per_second: float = Field(default=10, gt=0)
    burst: int = Field(default=20, ge=1)
    #: Start pacing when a Keap quota/throttle header shows this many requests or fewer left.
    low_water: int = Field(default=10, ge=0)


class Retries(_Strict):
    attempts: int = Field(default=3, ge=1, le=20, description="total tries, including the first")
    initial_delay: float = Field(default=0.5, ge=0)
    backoff_multiplier: float = Field(default=2, ge=1)
    max_delay: float = Field(default=30, ge=0)
    honour_retry_after: bool = True
    #: A Retry-After longer than this is not waited for; the lead ends as ``error`` instead.
    max_retry_after: float = Field(default=60, ge=0)


class Timeouts(_Strict):
    connect: float = Field(default=5, gt=0)
    read: float = Field(default=30, gt=0)
    write: float = Field(default=30, gt=0)
    pool: float = Field(default=10, gt=0)


class KeapSettings(_Strict):
    base_url: str = DEFAULT_BASE_URL
    #: Derived as ``<scheme://host>/token`` from base_url when not set.
    token_url: str | None = None
    api_version: ApiVersion = ApiVersion.V2
    credentials: Credentials
    rate_limit: RateLimit = RateLimit()
    retries: Retries = Retries()
    timeouts: Timeouts = Timeouts()

    @field_validator("base_url", "token_url")
    @classmethod
    def _absolute_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. " + DEFAULT_BASE_URL)
        return value.rstrip("/")

    @property
    def resolved_token_url(self) -> str:
        if self.token_url:
            return self.token_url
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/token"

    @property
    def resolved_authorize_url(self) -> str:
        creds = self.credentials
        if isinstance(creds, OAuthCredentials) and creds.authorize_url:
            return creds.authorize_url
        if self.base_url == DEFAULT_BASE_URL:
            return DEFAULT_AUTHORIZE_URL
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/app/oauth/authorize"


class Duplicates(_Strict):
    mode: DuplicateMode = DuplicateMode.UPDATE_EXISTING
    match: MatchRule = MatchRule.EMAIL


class TagRule(_Strict):
    #: A tag id, or a template rendering to an id, a comma-separated list of ids, or nothing.
    id: int | str
    when: When = When.ALWAYS

    @field_validator("id")
    @classmethod
    def _template_compiles(cls, value: int | str) -> int | str:
        if isinstance(value, str):
            _check(value)
        return value


class SequenceRule(_Strict):
    campaign_id: int
    sequence_id: int
    when: When = When.ALWAYS


class CustomFieldRule(_Strict):
    #: A Keap custom-field label (resolved once via the contact model) or its numeric id.
    field: int | str
    #: Template over the lead; an empty result leaves the field untouched.
    value: str

    @field_validator("value")
    @classmethod
    def _template_compiles(cls, value: str) -> str:
        return _check(value)


class NoteSettings(_Strict):
    enabled: bool = True
    title: str = "Lead comments"
    #: Template for the note's text; without it the note holds the lead's comments. Tracking
    #: data (referring URL, UTM values without a form id) is appended either way.
    body: str | None = None
    #: Keap note type; v1 accepts Appointment, Call, Email, Fax, Letter, Other.
    type: str | None = "Other"
    #: v2 requires a user id on notes; falls back to owner_id, then to the token's own user.
    user_id: int | None = None
    #: Put the referring URL into the note (Keap has no other place for it), and the UTM
    #: parameters too when no ``utm.keap_source_id`` is configured.
    include_tracking: bool = True

    @field_validator("title", "body")
    @classmethod
    def _template_compiles(cls, value: str | None) -> str | None:
        return None if value is None else _check(value)


class UtmSettings(_Strict):
    #: Keap records UTM values only with ``keap_source_id`` (a Keap form id): v2 in the contact's
    #: ``utm_parameters``, v1 through ``POST /v1/contacts/{id}/utm``. Without it they go to the
    #: note instead.
    keap_source_id: str | None = None


class ContactDefaults(_Strict):
    address_type: AddressType = AddressType.BILLING
    contact_type: str | None = None
    preferred_locale: str | None = None
    source_type: str | None = None
    #: An id, a lead source name (looked up in Keap and cached) or a template producing either.
    lead_source: int | str | None = None
    owner_id: int | None = None
    #: Region used for phone numbers without a country prefix and for addresses without country.
    default_region: str = Field(default="US", min_length=2, max_length=2)
    #: Any other Keap contact field (``company``, ``middle_name``, ``birth_date``/``birthday``,
    #: ``social_accounts`` ...) -> a value whose strings are templates over the lead. Checked
    #: against the contact model of ``keap.api_version`` when the flow loads.
    fields: dict[str, Any] = {}

    @field_validator("fields")
    @classmethod
    def _field_templates(cls, value: dict[str, Any]) -> dict[str, Any]:
        for template in _strings(value):
            _check(template)
        return value

    @field_validator("source_type")
    @classmethod
    def _known_source_type(cls, value: str | None) -> str | None:
        if value is not None:
            source_type_for(ApiVersion.V2, value)
        return value

    @field_validator("preferred_locale")
    @classmethod
    def _locale_shape(cls, value: str | None) -> str | None:
        if value is not None and not (2 <= len(value) <= 10):
            raise ValueError("expected a locale such as en_US")
        return value

    @field_validator("lead_source")
    @classmethod
    def _lead_source_template(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, str):
            _check(value)
        return value

    @field_validator("default_region")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class QueueBackend(StrEnum):
    SQLITE = "sqlite"
    REDIS = "redis"


class ServeSettings(_Strict):
    """``keap-connector serve`` (docs/connector/serve.md); ignored by batch delivery."""

    #: Bearer tokens callers must send (several allow rotation); KEAP_CONNECTOR_SERVE_TOKEN
    #: (comma-separated) is used when this list is empty.
    auth_tokens: list[SecretStr] = []
    #: ``redis://`` (or ``rediss://``, ``unix://``) URL: one rate limiter and one OAuth token
    #: store for every instance that names the same Redis. Without it all state is embedded.
    redis_url: SecretStr | None = None
    #: Key prefix in Redis; instances delivering for the same Keap app share it.
    redis_prefix: str = Field(default="keap-connector", min_length=1)
    #: Where queue mode keeps accepted leads: an embedded SQLite file, or the Redis above.
    queue_backend: QueueBackend = QueueBackend.SQLITE

    @field_validator("auth_tokens")
    @classmethod
    def _expanded_tokens(cls, value: list[SecretStr]) -> list[SecretStr]:
        for token in value:
            secret = token.get_secret_value()
            # "${VAR}" with VAR unset stays literal: a token anyone can read in the docs.
            if "${" in secret or len(secret) < 16:
                raise ValueError("each token must be set (no unexpanded ${VAR}), 16+ characters")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            scheme = urlsplit(value.get_secret_value()).scheme
            if scheme not in ("redis", "rediss", "unix"):
                raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @model_validator(mode="after")
    def _redis_queue_needs_redis(self) -> ServeSettings:
        if self.queue_backend is QueueBackend.REDIS and self.redis_url is None:
            raise ValueError("queue_backend: redis needs redis_url")
        return self


class ExistingContacts(_Strict):
    #: Only these fields are written to a contact that already exists (empty = all).
    update_fields: list[str] = []
    #: These fields are never overwritten on a contact that already exists.
    preserve_fields: list[str] = []

    @field_validator("update_fields", "preserve_fields")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        # Group names (phones, custom_fields ...), single slots (phone_1), custom fields by
        # label (custom_score) and any contact property; checked per version in the flow.
        return value

    @property
    def restricted(self) -> bool:
        return bool(self.update_fields or self.preserve_fields)

    def allows(self, field: str) -> bool:
        if self.update_fields and field not in self.update_fields:
            return False
        return field not in self.preserve_fields


class Thresholds(_Strict):
    min_success_rate: float | None = Field(default=None, ge=0, le=100)
    max_avg_response_ms: float | None = Field(default=None, gt=0)
    max_duplicate_pct: float | None = Field(default=None, ge=0, le=100)


class Monitoring(_Strict):
    """``keap-connector report --config flow.yaml`` reads these; report flags override them."""

    #: Past these the report raises alerts (and ``--fail-on-alert`` exits 1).
    alerts: Thresholds = Thresholds(
        min_success_rate=90, max_avg_response_ms=1000, max_duplicate_pct=50
    )
    #: What the integration aims for (the guide: > 95 % success, < 500 ms); shown as met/missed.
    targets: Thresholds = Thresholds(min_success_rate=95, max_avg_response_ms=500)


class Failures(_Strict):
    #: Write ``failure`` leads (besides ``error`` ones, which go to the dead-letter file) to
    #: ``LEADS.failures.<ext>`` in the input's format, ready to deliver again once fixed.
    file: bool = True


class ConnectorConfig(_Strict):
    _load_notes: list[str] = PrivateAttr(default_factory=list)
    keap: KeapSettings
    action: Action = Action.CONTACT
    duplicates: Duplicates = Duplicates()
    # ``error_behavior`` is the key's name in the text (``error_behavior: stop``); both
    # spellings are accepted, giving both at once is an error (the second is an unknown key).
    on_error: ErrorBehaviour = Field(
        default=ErrorBehaviour.CONTINUE,
        validation_alias=AliasChoices("on_error", "error_behavior"),
    )
    contact: ContactDefaults = ContactDefaults()
    tags: list[TagRule] = []
    sequences: list[SequenceRule] = []
    custom_fields: list[CustomFieldRule] = []
    note: NoteSettings = NoteSettings()
    utm: UtmSettings = UtmSettings()
    existing_contacts: ExistingContacts = ExistingContacts()
    #: Cut over-long values to Keap's limits instead of failing the lead.
    truncate_long_values: bool = False
    #: Input column -> lead field (``E-mail Addr: email``) or ``contact.<Keap field>``.
    fields: dict[str, str] = {}
    phone_policy: PhonePolicy = PhonePolicy.LENIENT
    monitoring: Monitoring = Monitoring()
    failures: Failures = Failures()
    serve: ServeSettings = ServeSettings()

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_shorthand(cls, value: Any) -> Any:
        # ``tags: [12, "{{ ... }}"]`` is shorthand for ``[{id: 12}, {id: "{{ ... }}"}]``.
        if isinstance(value, list):
            return [{"id": v} if isinstance(v, int | str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _coherent(self) -> ConnectorConfig:
        if self.duplicates.mode is not DuplicateMode.UPDATE_EXISTING and (
            self.existing_contacts.restricted
        ):
            raise ValueError(
                "existing_contacts.update_fields/preserve_fields only apply with "
                "duplicates.mode: update_existing"
            )
        version = self.keap.api_version
        for name in self.contact.fields:
            problem = contact_field_problem(version, name)
            if problem:
                raise ValueError(f"contact.fields.{name}: {problem}")
        for column, target in self.fields.items():
            if target.startswith("contact."):
                prop = target.removeprefix("contact.").split(".", 1)[0]
                problem = contact_field_problem(version, prop)
                if problem:
                    raise ValueError(f"fields.{column}: {problem}")
        rules = self.existing_contacts
        for key in ("update_fields", "preserve_fields"):
            for name in getattr(rules, key):
                if property_for(version, name, self.custom_field_labels) is None:
                    raise ValueError(
                        f"existing_contacts.{key}: unknown field {name!r}; use a group "
                        f"({', '.join(UPDATABLE_FIELDS)}), a slot (phone_1, email_2), "
                        "custom_<label> for a custom field, or a Keap contact field"
                    )
        return self

    def templates(self) -> list[str]:
        """Every template string of the flow (tags, custom fields, note, contact fields...)."""
        found = [r.id for r in self.tags if isinstance(r.id, str)]
        found += [r.value for r in self.custom_fields]
        found += [self.note.title, self.note.body or ""]
        if isinstance(self.contact.lead_source, str):
            found.append(self.contact.lead_source)
        found += _strings(self.contact.fields)
        return [t for t in found if "{{" in t or "{%" in t]

    @property
    def load_notes(self) -> list[str]:
        """What loading changed: templates translated from the guide's syntax."""
        return list(self._load_notes)

    @property
    def custom_field_labels(self) -> dict[str, int | str]:
        """``custom_<label>`` names of the flow's custom fields -> their label or id."""
        out: dict[str, int | str] = {}
        for rule in self.custom_fields:
            out[f"custom_{_snake(str(rule.field))}"] = rule.field
        return out


#: Notes on templates translated from the guide's syntax, collected while a flow loads.
_LOAD_NOTES: ContextVar[list[str] | None] = ContextVar("load_notes", default=None)


def _check(template: str) -> str:
    try:
        notes = check_template(template)
    except TemplateSyntaxProblem as exc:
        raise ValueError(str(exc)) from None
    collected = _LOAD_NOTES.get()
    if collected is not None:
        collected.extend(f"template {template!r}: {note}" for note in notes)
    return template


class ConfigError(ValueError):
    """The configuration file is missing, not YAML, or does not validate."""


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand_env(node: Any, where: str = "") -> Any:
    # Secrets belong in the environment, not in the flow file: "${KEAP_API_KEY}" is expanded.
    # An unset variable is an error: sent literally, "${KEAP_API_KEY}" would only come back
    # as a 401 that gives no hint.
    if isinstance(node, str):
        return _ENV_REF.sub(lambda m: _env_value(m.group(1), where), node)
    if isinstance(node, list):
        return [_expand_env(v, f"{where}[{i}]") for i, v in enumerate(node)]
    if isinstance(node, dict):
        return {k: _expand_env(v, f"{where}.{k}" if where else str(k)) for k, v in node.items()}
    return node


def _env_value(name: str, where: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise ConfigError(
            f"invalid connector configuration: {where} uses ${{{name}}}, but the environment "
            f"variable {name} is not set"
        )
    return value


def _strings(node: Any) -> list[str]:
    """Every string inside a YAML value (the templates of a ``contact.fields`` entry)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    return []


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def format_validation_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {where}: {err['msg']}")
    return "invalid connector configuration:\n" + "\n".join(lines)


def parse_config(data: dict[str, Any], *, base_dir: Path | None = None) -> ConnectorConfig:
    """Validate a mapping (e.g. parsed YAML) into a ``ConnectorConfig``."""
    if not isinstance(data, dict):
        raise ConfigError("invalid connector configuration: the top level must be a mapping")
    data = _expand_env(data)
    creds = data.get("keap", {}).get("credentials") if isinstance(data.get("keap"), dict) else None
    if base_dir is not None and isinstance(creds, dict) and creds.get("token_store"):
        # A relative token store path is relative to the flow file, not the working directory.
        store = Path(creds["token_store"]).expanduser()
        creds["token_store"] = str(store if store.is_absolute() else base_dir / store)
    notes: list[str] = []
    token = _LOAD_NOTES.set(notes)
    try:
        config = ConnectorConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc)) from None
    finally:
        _LOAD_NOTES.reset(token)
    config._load_notes = notes
    return config


def load_config(path: str | os.PathLike[str]) -> ConnectorConfig:
    """Read and validate a YAML flow file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read connector configuration {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    return parse_config(data or {}, base_dir=path.parent)


def read_monitoring(path: str | os.PathLike[str]) -> Monitoring:
    """Only the ``monitoring:`` section of a flow file (a report needs no credentials)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the monitoring section of {path}: {exc}") from None
    section = data.get("monitoring", {}) if isinstance(data, dict) else {}
    try:
        return Monitoring.model_validate(section or {})
    except ValidationError as exc:
        message = format_validation_error(exc).replace("\n  ", "\n  monitoring.")
        raise ConfigError(message) from None
