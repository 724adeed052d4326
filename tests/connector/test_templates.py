"""Templates run in Jinja2's sandbox and never leak lead values in their errors."""

from __future__ import annotations

import pytest

from connector.templates import TemplateRenderError, TemplateSyntaxProblem, check_template, render

LEAD = {"source": "Spring Expo", "score": 85, "touchpoints": ["ad", "", "landing", "form"]}


def test_plain_text_passes_through():
    assert render("Lead comments", LEAD) == "Lead comments"


def test_lead_values_conditionals_and_filters():
    assert render("{{ lead.source }}", LEAD) == "Spring Expo"
    assert render("{% if lead.score >= 80 %}42{% endif %}", LEAD) == "42"
    assert render("{% if lead.score >= 80 %}42{% endif %}", {"score": 10}) == ""
    assert render("{{ lead.touchpoints | join_nonempty(' > ') }}", LEAD) == "ad > landing > form"
    assert render("{{ lead.touchpoints | select | join(' > ') }}", LEAD) == "ad > landing > form"


def test_now_is_available():
    year = render("{{ now.year }}", LEAD)
    assert year.isdigit() and int(year) >= 2024
    assert len(render("{{ now | datefmt }}", LEAD)) == 10


def test_missing_fields_render_empty():
    assert render("{{ lead.utm.source }}", LEAD) == ""


@pytest.mark.parametrize("lead", [{}, {"score": None}, {"score": ""}, {"score": "  "}])
def test_a_condition_on_a_missing_field_is_false(lead):
    assert render("{% if lead.score >= 80 %}42{% endif %}", lead) == ""
    assert render("{% if 80 <= lead.score %}42{% endif %}", lead) == ""
    assert render("{% if lead.score < 80 %}cold{% else %}other{% endif %}", lead) == "other"


@pytest.mark.parametrize(
    "source",
    [
        "{{ lead.__class__.__mro__ }}",
        "{{ ''.__class__.__subclasses__() }}",
        "{{ lead.source.format.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_sandbox_blocks_code_execution(source):
    with pytest.raises(TemplateRenderError) as err:
        render(source, LEAD, name="tags[0]")
    assert "tags[0]" in str(err.value)


def test_render_errors_do_not_quote_lead_values():
    with pytest.raises(TemplateRenderError) as err:
        render("{{ lead.source | int(strict) + 'x' }}", {"source": "Jane Secret"})
    assert "Jane Secret" not in str(err.value)
    with pytest.raises(TemplateRenderError) as err:
        render("{% if lead.score >= 80 %}1{% endif %}", {"score": "Jane Secret"})
    assert "Jane Secret" not in str(err.value)


def test_syntax_problems_are_reported():
    with pytest.raises(TemplateSyntaxProblem, match="does not compile"):
        check_template("{% if lead.score %}")
