"""No template can allocate past the documented bounds or run past the time per lead."""

from __future__ import annotations

import itertools
import tracemalloc

import pytest

from connector.templates import (
    MAX_LOOP,
    TemplateRenderError,
    TemplateSyntaxProblem,
    check_template,
    lead_budget,
    render,
)

LEAD = {"email": "ada@example.com", "score": 85, "touchpoints": ["ad"] * 200}


@pytest.mark.parametrize(
    "source",
    [
        "{{ lead.email * 1000000000 }}",
        "{{ (lead.score|int) ** 99999999 }}",
        "{{ 'a' * 2000000000 }}",
        "{% set x = lead.email %}" + "{% set x = x ~ x %}" * 40 + "{{ x }}",
        "{{ lead.touchpoints | join(lead.email * 600) }}",
        "{{ (lead.touchpoints | join(',')) | replace('a', lead.email * 100) }}",
        "{{ '%2000000000d' % 1 }}",
    ],
)
def test_a_template_that_would_blow_up_fails_within_the_bounds(source):
    tracemalloc.start()
    try:
        with pytest.raises(TemplateRenderError) as err:
            render(source, LEAD, name="custom_fields[0]")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(err.value).startswith("custom_fields[0]:")
    assert peak < 20_000_000  # far below what the expression asks for (gigabytes)


def test_loops_are_bounded_per_template():
    nested = (
        "{% for a in lead.touchpoints %}{% for b in lead.touchpoints %}.{% endfor %}{% endfor %}"
    )
    with pytest.raises(TemplateRenderError, match=f"over {MAX_LOOP} loop iterations"):
        render(nested, LEAD)


def test_a_leads_templates_share_one_time_budget():
    ticks = itertools.count()
    with lead_budget(seconds=5, clock=lambda: float(next(ticks))):
        with pytest.raises(TemplateRenderError, match="time limit"):
            for _ in range(10):
                render("{{ lead.touchpoints | join(',') | upper }}", LEAD)


@pytest.mark.parametrize(
    "source",
    [
        "{% macro f(x) %}{{ f(x ~ x) }}{% endmacro %}{{ f('a') }}",
        "{{ range(10**9) | list }}",
        "{{ 'x'.center(2000000000) }}",
        "{{ 'x' | center(2000000000) }}",
        "{% set ns = namespace(x='a') %}",
        "{% include 'other' %}",
    ],
)
def test_constructs_outside_the_limits_are_refused_when_the_flow_loads(source):
    with pytest.raises(TemplateSyntaxProblem):
        check_template(source)


@pytest.mark.parametrize(
    "source", ["{{ 'a' * 2000000000 }}", "{{ 2 ** 99999999 }}", "{{ 'ab' ~ 'c' * 200000 }}"]
)
def test_literal_blowups_are_refused_when_the_flow_loads(source):
    # Issue 15 item 10: what can be refused statically is refused at config load.
    with pytest.raises(TemplateSyntaxProblem, match="template limit"):
        check_template(source)


@pytest.mark.parametrize(
    "source",
    ["{{ lead.email * 1000000000 }}", "{{ (lead.score|int) ** 99999999 }}", "{{ 'ab' * 3 }}"],
)
def test_operations_on_lead_values_are_checked_when_rendered_not_at_load(source):
    # They depend on the lead (an empty email, a score of 1): bounded at render instead.
    check_template(source)
