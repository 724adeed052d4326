"""keapsim: an offline, stateful twin of the Keap CRM REST API."""

from .clock import Clock
from .config import Limits, TenantSettings, Window
from .simulator import Simulator, TenantCredentials

__all__ = ["Clock", "Limits", "Simulator", "TenantCredentials", "TenantSettings", "Window"]
__version__ = "0.1.0"
