"""A thin v1 client for the tests: every call states the status it expects, every JSON body is
checked for its content type, and every success body is validated against the official v1
document (through keapsim.specs.validate, which consults KNOWN_SPEC_DEFECTS)."""

from __future__ import annotations

from typing import Any

import httpx

from keapsim.specs.validate import (
    SpecDefect,
    check_http_response,
    declared_statuses,
    match_path,
)

UNCONVERTIBLE = "Input could not be converted to a valid request"


class V1:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.defects_used: list[SpecDefect] = []

    def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, "/v1" + path, **kwargs)

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        """The parsed body of a successful call (``None`` for 204), validated against the
        document's response schema for that status."""
        response = self.raw(method, path, **kwargs)
        assert response.status_code == expect, (response.status_code, response.text)
        if expect == 204:
            # No body. (The gateway's Response.from_app adds werkzeug's default text/plain
            # content type to a 204; the adapter itself sends none.)
            assert response.content == b""
        else:
            assert response.headers["content-type"].startswith("application/json")
        for defect in check_http_response("v1", response):
            if defect not in self.defects_used:
                self.defects_used.append(defect)
        return response.json() if response.content else None

    def get(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("GET", path, expect, **kwargs)

    def post(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("POST", path, expect, **kwargs)

    def put(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("PUT", path, expect, **kwargs)

    def patch(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("PATCH", path, expect, **kwargs)

    def delete(self, path: str, expect: int = 204, **kwargs: Any) -> Any:
        return self.call("DELETE", path, expect, **kwargs)

    def error(
        self, method: str, path: str, expect: int, message: str | None = None, **kwargs: Any
    ) -> str:
        """Keap's v1 application error: ``{"message": ...}`` as JSON; returns the message."""
        response = self.raw(method, path, **kwargs)
        assert response.status_code == expect, (response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
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
        body = dict(fields)
        if email is not None:
            body.setdefault("email_addresses", [{"email": email, "field": "EMAIL1"}])
        return self.post("/contacts", 201, json=body)

    def tag(self, name: str, **fields: Any) -> dict[str, Any]:
        return self.post("/tags", json={"name": name, **fields})
