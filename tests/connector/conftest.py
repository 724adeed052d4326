"""Fixtures for the connector suite: a fresh in-process simulator and connectors onto it."""

from __future__ import annotations

import sys
from pathlib import Path

# Make the repository importable when the project is not pip-installed (plain `pytest`).
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from connector import Connector, parse_config  # noqa: E402
from keapsim import Simulator  # noqa: E402

#: The test lead used across the suite: every standard field filled in.
GUIDE_LEAD: dict[str, Any] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada.lovelace@example.com",
    "phone_1": "(602) 555-0123",
    "phone_2": "602-555-0188",
    "phone_3": "+44 20 7946 0958",
    "address_1": "1 Analytical Engine Way",
    "address_2": "Suite 1843",
    "city": "Phoenix",
    "state": "Arizona",
    "postal_code": "85001",
    "website": "https://ada.example.com",
    "comments": "Please call after 5pm about the enterprise plan.",
    "title": "Chief Analyst",
    "dob": "12/10/1985",
    "score": 91,
    "source": "Spring Expo",
    "touchpoints": ["ad", "landing page", "form"],
    "utm_source": "google",
    "utm_medium": "cpc",
    "utm_campaign": "spring",
    "referring_url": "https://partner.example.com/review",
}


@dataclass
class Seed:
    """Objects created in the simulator's tenant before a test."""

    tag_web: int
    tag_hot: int
    tag_back: int
    tag_new: int
    campaign: int
    seq_all: int
    seq_new: int
    lead_source: int
    cf_score: int
    cf_journey: int


@pytest.fixture
def sim() -> Simulator:
    return Simulator()


@pytest.fixture
def seed(sim) -> Seed:
    t = sim.tenant()
    campaign = t.campaigns.create("Nurture", ["Everyone", "Welcome"])
    return Seed(
        tag_web=t.tags.create("Web lead").id,
        tag_hot=t.tags.create("Hot lead").id,
        tag_back=t.tags.create("Welcome back").id,
        tag_new=t.tags.create("New lead").id,
        campaign=campaign.id,
        seq_all=campaign.sequences[0].id,
        seq_new=campaign.sequences[1].id,
        lead_source=t.lead_sources.create("Spring Expo").id,
        cf_score=t.custom_fields.create("Lead Score", "Text").id,
        cf_journey=t.custom_fields.create("Journey", "TextArea").id,
    )


def flow(sim, version: str = "v2", credentials: dict | None = None, **extra: Any) -> dict:
    """A flow (config mapping) pointing at the in-process simulator."""
    keap = {
        "base_url": f"{sim.base_url}/crm/rest",
        "api_version": version,
        "credentials": credentials or {"type": "api_key", "api_key": sim.default_tenant.api_key},
        "retries": {"initial_delay": 0.2},
    }
    keap.update(extra.pop("keap", {}))
    return {"keap": keap, **extra}


@pytest.fixture
def connect(sim):
    """Build a Connector on the simulator; waits run on the simulator's clock (fast tests)."""
    made = []

    def make(version: str = "v2", **extra: Any) -> Connector:
        config = parse_config(flow(sim, version, **extra))
        connector = Connector(
            config, transport=sim.transport(), sleep=sim.clock.advance, clock=sim.clock.time
        )
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def api(sim):
    """A plain client onto the simulator to inspect what Keap now holds.

    It uses the OAuth token, not the connector's API key, so inspecting does not eat into the
    key's 10-per-second spike allowance.
    """
    with sim.client(auth="bearer") as client:
        yield client
