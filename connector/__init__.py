"""Lead connector for the Keap (Infusionsoft) CRM REST API.

>>> from connector import Connector
>>> connector = Connector.from_file("flow.yaml")           # doctest: +SKIP
>>> result = connector.deliver({"email": "ada@example.com", "first_name": "Ada"})  # doctest: +SKIP
>>> result.outcome, result.contact_id, result.duplicate    # doctest: +SKIP
('success', '42', False)
"""

from connector.config import ConfigError, ConnectorConfig, load_config, parse_config
from connector.delivery import Connector
from connector.result import DeliveryResult, Outcome, StepResult, StepStatus

__all__ = [
    "ConfigError",
    "Connector",
    "ConnectorConfig",
    "DeliveryResult",
    "Outcome",
    "StepResult",
    "StepStatus",
    "load_config",
    "parse_config",
]
