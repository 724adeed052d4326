"""The app's URL map compiles its routes group by group (``LazyRouteMap`` in keapsim/app.py):
it must match, redirect, refuse and build exactly as werkzeug's own map holding the same
routes, whatever order paths arrive in."""

from __future__ import annotations

import random
import re
import threading
from typing import Any

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.routing.matcher import StateMachineMatcher

from keapsim.app import LazyRouteMap, create_app

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def fill(rule: str, value: str) -> str:
    """A path ``rule`` matches, each variable replaced by ``value`` (``path`` ones by two
    segments, ``any`` ones by their first choice)."""

    def one(match: re.Match[str]) -> str:
        spec = match.group(1)
        if spec.startswith("path:"):
            return f"{value}/x"
        if spec.startswith("any("):
            return spec[4:].split(",")[0].strip()
        return value

    return re.sub(r"<([^>]*)>", one, rule)


def sample_paths(rules: list[Rule]) -> list[str]:
    paths = {"", "/", "/crm", "/crm/rest", "/crm/rest/v1", "/crm/rest/v9/contacts", "/nope"}
    for rule in rules:
        for value in ("12", "abc", "1.5"):
            path = fill(rule.rule, value)
            paths |= {path, path.rstrip("/"), path.rstrip("/") + "/", path.replace("/", "//", 2)}
            paths.add(path.rsplit("/", 1)[0])
            paths.add(path + "/extra")
    return sorted(paths)


def outcome(adapter: Any, path: str, method: str) -> tuple[Any, ...]:
    try:
        rule, args = adapter.match(path, method, return_rule=True)
    except RequestRedirect as redirect:
        return ("redirect", redirect.new_url)
    except HTTPException as error:
        return (type(error).__name__, sorted(getattr(error, "valid_methods", None) or ()))
    return ("match", rule.endpoint, rule.rule, sorted(args.items()))


def twin_maps(finish_after: float | None = None) -> tuple[Map, LazyRouteMap, list[Rule]]:
    """werkzeug's map and keapsim's, each holding fresh copies of the app's routes; keapsim's
    compiles only what paths need unless told to finish ``finish_after`` s after a first."""
    app = create_app()
    rules = list(app.url_map.iter_rules())
    eager = Map(strict_slashes=False)
    lazy = LazyRouteMap(strict_slashes=False)
    lazy.finish_after = finish_after
    for rule in rules:
        eager.add(rule.empty())
        lazy.add(rule.empty())
    return eager, lazy, rules


def test_the_app_uses_the_lazy_map() -> None:
    assert isinstance(create_app().url_map, LazyRouteMap)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_path_matches_as_in_werkzeugs_map(seed: int) -> None:
    eager, lazy, rules = twin_maps()
    paths = sample_paths(rules)
    random.Random(seed).shuffle(paths)  # groups get compiled in a different order each time
    expected_adapter, lazy_adapter = eager.bind("keapsim.local"), lazy.bind("keapsim.local")
    for path in paths:
        for method in METHODS:
            assert outcome(lazy_adapter, path, method) == outcome(expected_adapter, path, method)
    assert lazy._pending_groups == 0  # the "" and "/" paths could reach every group


def test_a_first_path_compiles_only_the_groups_it_could_match() -> None:
    _, lazy, rules = twin_maps()
    before = lazy._pending_groups
    lazy.bind("keapsim.local").match("/crm/rest/v1/contacts/7", "GET")
    compiled = {rule.rule for rule in rules if lazy._group_of(rule).rules == []}
    # The path's resource, and the one rule with a variable right after /crm/rest.
    assert lazy._pending_groups == before - 2
    assert "/crm/rest/v1/contacts/<contact_id>" in compiled
    assert "/crm/rest/v2/contacts/<contact_id>" not in compiled


def test_listing_and_building_see_every_rule_in_werkzeugs_order() -> None:
    eager, lazy, rules = twin_maps()
    lazy.bind("keapsim.local").match("/crm/rest/v2/tags", "GET")  # one group compiled first
    assert [(r.endpoint, r.rule) for r in lazy.iter_rules()] == [
        (r.endpoint, r.rule) for r in eager.iter_rules()
    ]
    expected_adapter, lazy_adapter = eager.bind("keapsim.local"), lazy.bind("keapsim.local")
    for rule in rules:
        values = {name: "v1" for name in rule.arguments}  # "v1" suits every converter used
        method = sorted(rule.methods or ())[0]
        built = lazy_adapter.build(rule.endpoint, values, method=method)
        assert built == expected_adapter.build(rule.endpoint, values, method=method)


def test_threads_matching_at_once_all_match() -> None:
    eager, lazy, rules = twin_maps()
    paths = [fill(rule.rule, "12") for rule in rules]
    expected = {path: outcome(eager.bind("h"), path, "GET") for path in paths}
    failures: list[str] = []
    start = threading.Barrier(4)

    def match_all(order: int) -> None:
        adapter = lazy.bind("h")
        start.wait()
        for path in paths[order::4] + paths:
            if outcome(adapter, path, "GET") != expected[path]:
                failures.append(path)

    threads = [threading.Thread(target=match_all, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_the_rest_is_compiled_in_a_thread_then_the_map_is_werkzeugs_own() -> None:
    eager, lazy, rules = twin_maps(finish_after=0)
    adapter = lazy.bind("keapsim.local")
    adapter.match("/crm/rest/v1/contacts", "GET")
    assert lazy._finisher is not None
    lazy._finisher.join(timeout=30)
    assert lazy._pending_groups == 0
    assert type(lazy._matcher) is StateMachineMatcher  # no per-match cost left
    assert type(lazy._rules_by_endpoint) is dict
    expected_adapter = eager.bind("keapsim.local")
    for path in sample_paths(rules)[::7]:
        assert outcome(adapter, path, "GET") == outcome(expected_adapter, path, "GET")
    for routes in (eager, lazy):  # a route added later is werkzeug's business alone
        routes.add(Rule("/crm/rest/v1/contacts/<contact_id>/late", endpoint="late"))
    path = "/crm/rest/v1/contacts/3/late"
    assert outcome(adapter, path, "GET") == outcome(expected_adapter, path, "GET")
    assert outcome(adapter, path, "GET")[1] == "late"
