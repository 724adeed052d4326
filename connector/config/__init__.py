"""Connector configuration: pydantic models and the YAML loader.

The YAML file and the pydantic model are the same thing: ``load_config(path)`` parses YAML and
validates it with ``ConnectorConfig``, so a typo or a wrong type is reported with the dotted path of
the offending key instead of surfacing later as a confusing HTTP error.

- ``choices.py``: the enumerations of a flow's keys, and Keap's source types.
- ``base.py``: the strict model base, and the check that a template compiles.
- ``keap.py``: the ``keap:`` section (base URL, credentials, rate limit, retries, timeouts).
- ``rules.py``: what the flow does with a lead (duplicates, contact, tags, note, ...).
- ``operations.py``: ``serve``, ``monitoring`` and ``failures``.
- ``model.py``: ``ConnectorConfig``, the whole flow, and its cross-section checks.
- ``loading.py``: YAML, ``${VAR}`` expansion, validation errors that name the key.
"""

from connector.apiversion import ApiVersion
from connector.config.choices import (
    SOURCE_TYPES_V2,
    Action,
    AddressType,
    DuplicateMode,
    ErrorBehaviour,
    MatchRule,
    PhonePolicy,
    When,
    source_type_for,
)
from connector.config.keap import (
    DEFAULT_AUTHORIZE_URL,
    DEFAULT_BASE_URL,
    DEFAULT_REDIRECT_URI,
    ApiKeyCredentials,
    Credentials,
    KeapSettings,
    OAuthCredentials,
    RateLimit,
    Retries,
    Timeouts,
)
from connector.config.loading import (
    ConfigError,
    format_validation_error,
    load_config,
    parse_config,
    read_monitoring,
)
from connector.config.model import ConnectorConfig
from connector.config.operations import (
    Failures,
    Monitoring,
    QueueBackend,
    ServeSettings,
    Thresholds,
)
from connector.config.rules import (
    ContactDefaults,
    CustomFieldRule,
    Duplicates,
    ExistingContacts,
    NoteSettings,
    SequenceRule,
    TagRule,
    UtmSettings,
)

__all__ = [
    "DEFAULT_AUTHORIZE_URL",
    "DEFAULT_BASE_URL",
    "DEFAULT_REDIRECT_URI",
    "SOURCE_TYPES_V2",
    "Action",
    "AddressType",
    "ApiKeyCredentials",
    "ApiVersion",
    "ConfigError",
    "ConnectorConfig",
    "ContactDefaults",
    "Credentials",
    "CustomFieldRule",
    "DuplicateMode",
    "Duplicates",
    "ErrorBehaviour",
    "ExistingContacts",
    "Failures",
    "KeapSettings",
    "MatchRule",
    "Monitoring",
    "NoteSettings",
    "OAuthCredentials",
    "PhonePolicy",
    "QueueBackend",
    "RateLimit",
    "Retries",
    "SequenceRule",
    "ServeSettings",
    "TagRule",
    "Thresholds",
    "Timeouts",
    "UtmSettings",
    "When",
    "format_validation_error",
    "load_config",
    "parse_config",
    "read_monitoring",
    "source_type_for",
]
