"""Recording scrubbed cassettes with vcrpy, and playing them back.

Scrubbing happens in vcrpy's ``before_record_request`` / ``before_record_response`` hooks,
so nothing unscrubbed is ever handed to the persister. After the scenario, provenance and
per-exchange notes are added to the cassette.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from keapsim.extras import missing_extra

try:
    import vcr
except ModuleNotFoundError as error:
    raise missing_extra(error, "recording and replaying contract cassettes", "contracts") from None

from contracts.cassette import load_cassette
from contracts.scrub import Scrubber, ScrubConfig
from contracts.session import KeapSession
from contracts.targets import Credentials, Target


def _query_keys(r1: Any, r2: Any) -> None:
    k1 = sorted(k for k, _ in parse_qsl(urlsplit(r1.uri).query, keep_blank_values=True))
    k2 = sorted(k for k, _ in parse_qsl(urlsplit(r2.uri).query, keep_blank_values=True))
    assert k1 == k2, f"query keys {k1} != {k2}"


def contract_vcr(**kwargs: Any) -> vcr.VCR:
    """vcrpy configured for scenario cassettes: ids, tokens and personal data change between
    runs, so requests match on method, path and the *names* of query parameters, in order."""
    v = vcr.VCR(serializer="yaml", match_on=("method", "path", "query_keys"), **kwargs)
    v.register_matcher("query_keys", _query_keys)
    return v


def scrubber_for(target: Target, seed: str) -> Scrubber:
    creds = target.credentials
    return Scrubber(
        ScrubConfig(
            api_key=creds.api_key,
            client_id=creds.client_id,
            client_secret=creds.client_secret,
            access_token=creds.access_token,
            refresh_token=creds.refresh_token,
            redirect_uri=creds.redirect_uri,
            tenant_hosts=[h for h in [creds.tenant_host] if h],
        ),
        seed=seed,
    )


@contextmanager
def recording(path: Path, target: Target, scenario: str) -> Iterator[KeapSession]:
    """Record everything ``session`` sends inside the block into ``path`` (overwritten)."""
    scrubber = scrubber_for(target, scenario)
    session = KeapSession(target, scrubber=scrubber)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()  # re-recording overwrites
    recorder = contract_vcr(
        record_mode="all",
        before_record_request=scrubber.before_record_request,
        before_record_response=scrubber.before_record_response,
    )
    with recorder.use_cassette(str(path)):
        yield session
    if path.exists():
        finish_recording(path, scenario, session)


def finish_recording(path: Path, scenario: str, session: KeapSession) -> None:
    """Add provenance and per-exchange notes to a freshly recorded cassette."""
    cassette = load_cassette(path)
    target = session.target.name
    against = "real Keap API" if target == "real" else "server at --target-url"
    if session.simulator is not None:
        against = "keapsim (loopback server); NOT the real Keap API"
    cassette.metadata.update(
        {
            "scenario": scenario,
            "reconstructed": False,
            "recorded": True,
            "recorded_against": against,
            "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "scrubbed": "secrets -> SCRUBBED-* placeholders; personal data -> Faker values",
        }
    )
    for index, notes in session.exchange_notes.items():
        if 1 <= index <= len(cassette.exchanges):
            cassette.exchanges[index - 1].notes.update(notes)
    cassette.save(path)


def replay_target(path: Path) -> Target:
    """A target whose traffic never leaves the process: vcrpy answers from ``path``."""
    cassette = load_cassette(path)
    first = urlsplit(cassette.exchanges[0].uri) if cassette.exchanges else None
    base = f"{first.scheme}://{first.netloc}" if first else "https://api.infusionsoft.com"
    creds = Credentials(
        api_key="SCRUBBED-API-KEY",
        client_id="SCRUBBED-CLIENT-ID",
        client_secret="SCRUBBED-CLIENT-SECRET",
        access_token="SCRUBBED-ACCESS-TOKEN",
        refresh_token="SCRUBBED-REFRESH-TOKEN",
        redirect_uri="SCRUBBED-REDIRECT-URI",
    )
    return Target("replay", base, creds, httpx.Client(base_url=base, timeout=5.0))


@contextmanager
def replaying(path: Path) -> Iterator[KeapSession]:
    target = replay_target(path)
    session = KeapSession(target, replay=True)
    try:
        with contract_vcr(record_mode="none").use_cassette(str(path), allow_playback_repeats=False):
            yield session
    finally:
        target.close()
