"""Fixtures for the connector suite: a fresh in-process simulator and connectors onto it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from support.connector_flows import flow

from connector import Connector, parse_config
from keapsim import Simulator


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
