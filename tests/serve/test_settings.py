"""The flow's ``serve`` section and the command's refusals at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from connector import ConfigError, parse_config
from connector.cli import main
from connector.serve.callers import TOKEN_ENV, CallerAuth, NoCallerToken, caller_tokens

KEAP = {"credentials": {"type": "api_key", "api_key": "k"}}


def _serve(section: dict[str, Any]) -> Any:
    return parse_config({"keap": KEAP, "serve": section}).serve


def test_serve_settings_default_to_embedded_state() -> None:
    settings = parse_config({"keap": KEAP}).serve
    assert settings.redis_url is None and settings.queue_backend == "sqlite"
    assert settings.auth_tokens == []


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ({"auth_tokens": ["${UNSET_TOKEN_VARIABLE}"]}, "serve.auth_tokens"),
        ({"auth_tokens": ["short"]}, "16+ characters"),
        ({"redis_url": "http://127.0.0.1:6379"}, "redis://"),
        ({"queue_backend": "redis"}, "queue_backend: redis needs redis_url"),
        ({"queue_backend": "kafka"}, "serve.queue_backend"),
        ({"redis_urll": "redis://x"}, "serve.redis_urll"),
    ],
)
def test_bad_serve_settings_are_named(section: dict[str, Any], says: str) -> None:
    with pytest.raises(ConfigError, match=says.replace("+", r"\+")):
        _serve(section)


def test_caller_tokens_come_from_the_flow_before_the_environment() -> None:
    flow_token = "flow-token-0123456789"
    env = {TOKEN_ENV: "env-token-0123456789, second-token-0123456789"}
    assert caller_tokens(_serve({"auth_tokens": [flow_token]}), env) == [flow_token]
    assert caller_tokens(_serve({}), env) == ["env-token-0123456789", "second-token-0123456789"]
    with pytest.raises(NoCallerToken, match=TOKEN_ENV):
        caller_tokens(_serve({}), {})
    with pytest.raises(NoCallerToken, match="16"):
        caller_tokens(_serve({}), {TOKEN_ENV: "short"})


def test_any_listed_token_is_accepted() -> None:
    auth = CallerAuth(["first-token-0123456789", "second-token-0123456789"])
    assert auth.allows("Bearer second-token-0123456789")
    assert auth.allows("bearer first-token-0123456789")
    assert not auth.allows("Bearer third-token-0123456789")
    assert CallerAuth(None).allows(None)


def _flow_file(tmp_path: Path, **serve: Any) -> str:
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump({"keap": KEAP, "serve": serve}), encoding="utf-8")
    return str(path)


def _run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, ["serve", *args], env={TOKEN_ENV: "", **(env or {})})


def test_serve_refuses_to_start_without_a_caller_token(tmp_path: Path) -> None:
    result = _run("-c", _flow_file(tmp_path))
    assert result.exit_code == 2
    assert "no caller token" in result.output


def test_no_auth_is_for_loopback_only(tmp_path: Path) -> None:
    result = _run("-c", _flow_file(tmp_path), "--no-auth", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "loopback only" in result.output


def test_a_bad_flow_is_a_clear_error(tmp_path: Path) -> None:
    result = _run("-c", _flow_file(tmp_path, redis_url="http://x"))
    assert result.exit_code == 2
    assert "serve.redis_url" in result.output


def test_an_unreachable_redis_is_a_clear_error(tmp_path: Path) -> None:
    flow = _flow_file(tmp_path, redis_url="redis://127.0.0.1:1/0")
    result = _run("-c", flow, env={TOKEN_ENV: "env-token-0123456789"})
    assert result.exit_code == 2
    assert "cannot reach Redis" in result.output
