"""Every evidence cassette, in the order they are built, and the writer of their files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from contracts import EVIDENCE_DIR
from contracts.cassette import Cassette
from contracts.evidence.captured_contacts import (
    v1_contact_captured,
    v1_contact_errors_captured,
    v1_contact_list_captured,
    v2_contact_model_captured,
)
from contracts.evidence.captured_opportunities import (
    v1_opportunity_list_captured,
    v1_opportunity_model_captured,
)
from contracts.evidence.captured_tags import v1_tags_captured
from contracts.evidence.gateway import (
    gateway_expired_token,
    gateway_invalid_token,
    gateway_missing_token,
)
from contracts.evidence.oauth import token_authorization_code, token_invalid_grant, token_refresh
from contracts.evidence.records import (
    v1_contact_without_email_or_phone,
    v1_malformed_json,
    v1_tag_apply_refused_id,
    v1_unknown_contact,
    v2_contact_duplicate_option,
)
from contracts.evidence.throttling import quota_headers, throttled_429

#: Reconstructed from quoted exchanges first, then the ones replaying captured bodies.
EVIDENCE: tuple[Callable[[], Cassette], ...] = (
    gateway_missing_token,
    gateway_invalid_token,
    gateway_expired_token,
    throttled_429,
    quota_headers,
    token_refresh,
    token_invalid_grant,
    token_authorization_code,
    v1_malformed_json,
    v1_contact_without_email_or_phone,
    v1_tag_apply_refused_id,
    v1_unknown_contact,
    v2_contact_duplicate_option,
    v1_contact_captured,
    v1_contact_list_captured,
    v1_contact_errors_captured,
    v1_tags_captured,
    v1_opportunity_list_captured,
    v1_opportunity_model_captured,
    v2_contact_model_captured,
)


def build_all() -> list[Cassette]:
    return [build() for build in EVIDENCE]


def write_all(directory: Path = EVIDENCE_DIR) -> list[Path]:
    """Write each cassette to ``<directory>/<name>.yaml``; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for cassette in build_all():
        path = directory / f"{cassette.name.split('/', 1)[1]}.yaml"
        cassette.save(path)
        paths.append(path)
    return paths
