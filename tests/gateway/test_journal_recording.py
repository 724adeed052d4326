"""The journal's recording shortcuts give what the plain code gave: the request's header
variables found per environ shape, entries made when first read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from keapsim import Simulator
from keapsim.gateway import journal
from keapsim.gateway.journal import HEADER_VARIABLES, SHAPES_KEPT, header_variables


def plainly(environ: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in environ.items() if k.startswith(HEADER_VARIABLES)}


ENVIRONS = [
    {"REQUEST_METHOD": "GET", "HTTP_HOST": "h", "wsgi.input": object(), "HTTP_ACCEPT": "*/*"},
    {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "2", "HTTP_X_KEAP_API_KEY": "k"},
    {"HTTP_AUTHORIZATION": "Bearer t", "PATH_INFO": "/", "HTTP_CONTENT_TYPE": "text/plain"},
    {"wsgi.version": (1, 0), "SERVER_NAME": "s"},
    {},
]


@pytest.mark.parametrize("environ", ENVIRONS)
def test_header_variables_are_the_plain_filter(environ: dict[str, Any]) -> None:
    for _ in range(2):  # the first call learns the shape, the second reads it
        found = header_variables(environ)
        assert found == plainly(environ)
        assert list(found) == list(plainly(environ))  # same order: the entry's header order


def test_same_shape_other_values() -> None:
    first = {"HTTP_X_KEAP_API_KEY": "one", "REQUEST_METHOD": "GET"}
    second = {"HTTP_X_KEAP_API_KEY": "two", "REQUEST_METHOD": "POST"}
    assert header_variables(first) == {"HTTP_X_KEAP_API_KEY": "one"}
    assert header_variables(second) == {"HTTP_X_KEAP_API_KEY": "two"}


def test_the_shapes_kept_are_bounded() -> None:
    for n in range(SHAPES_KEPT * 2 + 3):
        environ = {f"HTTP_X_{n}": str(n), "REQUEST_METHOD": "GET"}
        assert header_variables(environ) == {f"HTTP_X_{n}": str(n)}
        assert len(journal._HEADER_NAMES) <= SHAPES_KEPT


def test_an_entry_is_made_once_and_holds_the_exchange() -> None:
    sim = Simulator()
    with httpx.Client(transport=sim.transport(), base_url=f"{sim.base_url}/crm/rest") as client:
        client.get("/v1/contacts/999", headers={"X-Keap-API-Key": sim.default_tenant.api_key})
        client.get("/v1/contacts", headers={"Authorization": "Bearer nope"})
    missing, unauthenticated = sim.journal.find()
    assert (missing.status, unauthenticated.status) == (404, 401)
    assert missing.request_headers["X-Keap-Api-Key"].startswith("****")
    assert missing.response_headers["Content-Type"].startswith("application/json")
    assert missing.response_body.startswith('{"message":')
    assert unauthenticated.request_headers["Authorization"] == "Bearer ****"
    assert unauthenticated.tenant is None and missing.tenant == sim.default_tenant.tenant_id
    assert sim.journal.find()[0] is missing
