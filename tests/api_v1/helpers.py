"""A thin v1 client for the tests (see ``support.api_client``): every success body is validated
against the official v1 document, through keapsim.specs.validate, which consults
KNOWN_SPEC_DEFECTS."""

from __future__ import annotations

from typing import Any

import httpx
from support.api_client import SpecCheckedClient, email_contact

from keapsim.specs.validate import (
    SpecDefect,
    check_http_response,
    declared_statuses,
    match_path,
)

UNCONVERTIBLE = "Input could not be converted to a valid request"


class V1(SpecCheckedClient):
    prefix = "/v1"

    def __init__(self, client: httpx.Client) -> None:
        super().__init__(client)
        self.defects_used: list[SpecDefect] = []

    def check_document(self, response: httpx.Response) -> None:
        for defect in check_http_response("v1", response):
            if defect not in self.defects_used:
                self.defects_used.append(defect)

    def error(
        self, method: str, path: str, expect: int, message: str | None = None, **kwargs: Any
    ) -> str:
        """Keap's v1 application error: ``{"message": ...}`` as JSON; returns the message."""
        response, body = self.error_response(method, path, expect, **kwargs)
        assert set(body) == {"message"}, body
        assert isinstance(body["message"], str) and body["message"]
        if message is not None:
            assert body["message"] == message
        # Where the document declares the error status (404 on most operations; never 400),
        # the body must fit its schema too: the springfox Throwable has only optional
        # properties, ``message`` among them, so Keap's {"message"} fits.
        try:
            template = match_path("v1", method, "/v1" + path)
        except KeyError:  # a route the document does not have at all
            template = None
        if template and str(expect) in declared_statuses("v1", method, template):
            check_http_response("v1", response)
        return body["message"]

    # -- fixtures of data --------------------------------------------------------------------
    def contact(self, email: str | None = "ada@example.com", **fields: Any) -> dict[str, Any]:
        body = email_contact(email, **fields) if email is not None else dict(fields)
        return self.post("/contacts", 201, json=body)

    def tag(self, name: str, **fields: Any) -> dict[str, Any]:
        return self.post("/tags", json={"name": name, **fields})
