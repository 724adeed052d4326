"""Loading a flow: YAML, ``${VAR}`` expansion, validation, and errors that name the key."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from connector.config.base import collecting_load_notes
from connector.config.model import ConnectorConfig
from connector.config.operations import Monitoring


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
    with collecting_load_notes() as notes:
        try:
            config = ConnectorConfig.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc)) from None
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
