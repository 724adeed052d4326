"""Configuration: YAML loading, defaults, derived values and readable errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.config import (
    ApiVersion,
    ConfigError,
    DuplicateMode,
    MatchRule,
    load_config,
    parse_config,
    source_type_for,
)

SAMPLE = Path(__file__).resolve().parents[2] / "connector" / "samples" / "flow.yaml"
API_KEY = {"type": "api_key", "api_key": "secret"}


def test_defaults_follow_the_issue():
    cfg = parse_config({"keap": {"credentials": API_KEY}})
    assert cfg.keap.base_url == "https://api.infusionsoft.com/crm/rest"
    assert cfg.keap.resolved_token_url == "https://api.infusionsoft.com/token"
    assert cfg.keap.api_version is ApiVersion.V2
    assert cfg.duplicates.mode is DuplicateMode.UPDATE_EXISTING
    assert cfg.duplicates.match is MatchRule.EMAIL
    assert cfg.keap.rate_limit.requests_per_second == 10
    assert cfg.keap.rate_limit.burst == 20
    assert cfg.keap.retries.attempts == 3
    assert cfg.keap.retries.backoff_multiplier == 2
    assert cfg.keap.retries.honour_retry_after is True


def test_token_url_is_derived_from_the_base_url_host():
    cfg = parse_config(
        {"keap": {"base_url": "http://keapsim.local:8080/crm/rest/", "credentials": API_KEY}}
    )
    assert cfg.keap.base_url == "http://keapsim.local:8080/crm/rest"
    assert cfg.keap.resolved_token_url == "http://keapsim.local:8080/token"


def test_sample_flow_file_loads(monkeypatch):
    monkeypatch.setenv("KEAP_CLIENT_SECRET", "s3cret")
    cfg = load_config(SAMPLE)
    assert cfg.tags and cfg.sequences and cfg.custom_fields
    assert cfg.keap.credentials.type == "oauth"
    # a relative token store path is resolved next to the flow file
    assert cfg.keap.credentials.token_store.is_absolute()
    assert cfg.keap.credentials.client_secret.get_secret_value() == "s3cret"


def test_errors_name_the_offending_key():
    with pytest.raises(ConfigError) as err:
        parse_config(
            {
                "keap": {"credentials": API_KEY, "api_version": "v3"},
                "duplicates": {"mode": "merge"},
                "dupliactes": {},
            }
        )
    text = str(err.value)
    assert "keap.api_version" in text
    assert "duplicates.mode" in text
    assert "dupliactes" in text  # unknown keys are typos, reported as such


def test_credentials_need_a_type_and_its_fields():
    with pytest.raises(ConfigError, match="client_secret"):
        parse_config({"keap": {"credentials": {"type": "oauth", "client_id": "x"}}})


def test_template_syntax_is_checked_at_load_time():
    with pytest.raises(ConfigError, match=r"custom_fields\.0\.value.*does not compile"):
        parse_config(
            {
                "keap": {"credentials": API_KEY},
                "custom_fields": [{"field": "Source", "value": "{{ lead.source "}],
            }
        )


def test_tag_shorthand_and_rules():
    cfg = parse_config(
        {
            "keap": {"credentials": API_KEY},
            "tags": [12, "{{ lead.tag }}", {"id": 7, "when": "duplicate"}],
        }
    )
    assert [t.id for t in cfg.tags] == [12, "{{ lead.tag }}", 7]
    assert cfg.tags[2].when.value == "duplicate"


def test_update_rules_only_with_update_existing():
    with pytest.raises(ConfigError, match="update_existing"):
        parse_config(
            {
                "keap": {"credentials": API_KEY},
                "duplicates": {"mode": "create_new"},
                "existing_contacts": {"preserve_fields": ["first_name"]},
            }
        )
    with pytest.raises(ConfigError, match="unknown field"):
        parse_config(
            {"keap": {"credentials": API_KEY}, "existing_contacts": {"update_fields": ["shoe"]}}
        )


def test_bad_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "flow.yaml"
    bad.write_text("keap: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_environment_variables_are_expanded(monkeypatch):
    monkeypatch.setenv("KEAP_KEY", "from-env")
    cfg = parse_config({"keap": {"credentials": {"type": "api_key", "api_key": "${KEAP_KEY}"}}})
    assert cfg.keap.credentials.api_key.get_secret_value() == "from-env"


@pytest.mark.parametrize(
    ("value", "v1", "v2"),
    [
        ("landing page", "LANDINGPAGE", "LANDING_PAGE"),
        ("FORMAPIHOSTED", "FORMAPIHOSTED", "FORM_API_HOSTED"),
        ("webform", "WEBFORM", "WEBFORM"),
    ],
)
def test_source_type_spelling_per_version(value, v1, v2):
    assert source_type_for(ApiVersion.V1, value) == v1
    assert source_type_for(ApiVersion.V2, value) == v2


def test_timeouts_reach_the_http_client():
    from connector import Connector

    cfg = parse_config(
        {"keap": {"credentials": API_KEY, "timeouts": {"connect": 2, "read": 7, "write": 8}}}
    )
    with Connector(cfg) as connector:
        timeout = connector.client.http.timeout
    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (2, 7, 8, 10)
