"""Each API version's ``FAMILIES`` table (``keapsim/api/v1/routes.py``, ``v2/routes.py``) names
the modules that declare each route family, so that a request imports only its family's modules
(:mod:`keapsim.api.routing`). A route missing from the table would answer 404 until something
else imported its module; a stale entry would import a module for nothing."""

from __future__ import annotations

import pytest

from keapsim.api import v1, v2
from keapsim.api.routing import ApiRoutes, family_of

VERSIONS = [v1.blueprint, v2.blueprint]


def _declared(version: ApiRoutes) -> set[tuple[str, str]]:
    """(family, module) of every route of ``version``, every module imported."""
    version.load_all()
    prefix = f"{version.package}."
    return {
        (family_of(route.rule[len(version.url_prefix) :]), route.owner.removeprefix(prefix))
        for route in version.routes
    }


def _table(version: ApiRoutes) -> set[tuple[str, str]]:
    return {(family, module) for family, modules in version.families.items() for module in modules}


@pytest.mark.parametrize("version", VERSIONS, ids=lambda version: version.name)
def test_the_table_names_the_module_of_every_route(version: ApiRoutes) -> None:
    missing = sorted(_declared(version) - _table(version))
    assert missing == [], f"add these (family, module) pairs to {version.package}.routes"


@pytest.mark.parametrize("version", VERSIONS, ids=lambda version: version.name)
def test_the_table_names_no_module_for_a_family_it_does_not_declare(version: ApiRoutes) -> None:
    stale = sorted(_table(version) - _declared(version))
    assert stale == [], f"remove these (family, module) pairs from {version.package}.routes"


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/contacts", "contacts"),
        ("/contacts/<int:contact_id>/tags", "contacts"),
        ("/contacts:search", "contacts"),
        ("contacts/12", "contacts"),
        ("/easy-automations/<id>", "easy-automations"),
        ("/", ""),
        ("", ""),
    ],
)
def test_a_family_is_the_first_segment(path: str, family: str) -> None:
    assert family_of(path) == family
