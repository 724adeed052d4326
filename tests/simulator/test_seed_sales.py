"""`--seed-data` also fills the sales side: a pipeline of stages, companies with tags and
custom-field values, and opportunities with their stage-move history."""

from __future__ import annotations

from keapsim import Simulator
from keapsim.seed import PIPELINE, seed_tenant
from keapsim.store.custom_fields import COMPANY, CONTACT, OPPORTUNITY


def _sales(sim: Simulator) -> list[tuple]:
    tenant = sim.tenant()
    return [
        (o.opportunity_title, o.contact_id, o.stage_id, o.projected_revenue_low)
        for o in tenant.opportunities.list()
    ] + [(c.company_name, c.address) for c in tenant.companies.list()]


def test_seeded_sales_data_is_consistent_and_readable() -> None:
    sim = Simulator(throttle=False)
    counts = seed_tenant(sim.tenant(), 40, faker_seed=5)
    tenant = sim.tenant()
    assert [s.name for s in tenant.opportunity_stages.in_pipeline_order()] == [
        name for name, *_ in PIPELINE
    ]
    assert counts["companies"] == len(tenant.companies) == 4
    assert counts["opportunities"] == len(tenant.opportunities) > 0
    for opportunity in tenant.opportunities.list():
        moves = tenant.stage_moves.of_opportunity(opportunity.id)
        assert moves[0].move_from_stage_id == 0
        assert moves[-1].move_to_stage_id == opportunity.stage_id
        assert opportunity.projected_revenue_high > opportunity.projected_revenue_low
    assert all(c.custom_fields and c.address for c in tenant.companies.list())
    # Each record type keeps its own custom fields; contacts see theirs only.
    kinds = [f.record_type for f in tenant.custom_fields.list()]
    assert kinds.count(CONTACT) == counts["custom_fields"]
    assert kinds.count(COMPANY) == 2 and kinds.count(OPPORTUNITY) == 1
    with sim.client() as client:
        assert len(client.get("/v1/opportunity/stage_pipeline").json()) == len(PIPELINE)
        listed = client.get("/v2/opportunities", params={"page_size": 3}).json()
        assert len(listed["opportunities"]) == 3
        assert len(client.get("/v1/companies").json()["companies"]) == 4


def test_the_same_faker_seed_gives_the_same_sales_data() -> None:
    first, second, other = Simulator(), Simulator(), Simulator()
    for sim, seed in ((first, 7), (second, 7), (other, 8)):
        seed_tenant(sim.tenant(), 30, faker_seed=seed)
    assert _sales(first) == _sales(second)
    assert _sales(first) != _sales(other)
