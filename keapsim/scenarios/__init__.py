"""Scenarios: a YAML file that sets up a tenant, installs fault rules and moves the clock, so a
QA engineer can reproduce one of Keap's failure modes with one command.

``keapsim serve --scenario FILE`` and ``keapsim scenario apply FILE`` load one; in Python,
:func:`apply_scenario`. ``FILE`` is a path or the name of a scenario shipped in
``keapsim/scenarios/library`` (see :func:`library`).
"""

from .loader import (
    AppliedScenario,
    Scenario,
    ScenarioError,
    apply_scenario,
    library,
    library_path,
    load_scenario,
)

__all__ = [
    "AppliedScenario",
    "Scenario",
    "ScenarioError",
    "apply_scenario",
    "library",
    "library_path",
    "load_scenario",
]
