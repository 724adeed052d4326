"""keapsim: an offline, stateful twin of the Keap CRM REST API."""

from importlib.metadata import PackageNotFoundError, version

from .clock import Clock
from .config import Limits, TenantSettings, Window
from .simulator import Simulator, TenantCredentials

__all__ = ["Clock", "Limits", "Simulator", "TenantCredentials", "TenantSettings", "Window"]

try:
    # pyproject.toml is the one place the version is written.
    __version__ = version("keapsim")
except PackageNotFoundError:  # a source tree on sys.path that was never installed
    __version__ = "0+unknown"
