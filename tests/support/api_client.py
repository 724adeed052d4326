"""What the v1 and v2 test clients share: every call states the status it expects, every JSON
body is checked for its content type, and every success body is checked against the official
document of its version (each client says how)."""

from __future__ import annotations

from typing import Any

import httpx


class SpecCheckedClient:
    """A thin client for one API version; ``prefix`` is the version's path prefix."""

    prefix: str

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, self.prefix + path, **kwargs)

    def check_document(self, response: httpx.Response) -> None:
        """Check a success response against the version's official document."""
        raise NotImplementedError

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        """The parsed body of a successful call (``None`` for 204), checked against the
        document's response schema for that status."""
        response = self.raw(method, path, **kwargs)
        assert response.status_code == expect, (response.status_code, response.text)
        if expect == 204:
            # No body. (The gateway's Response.from_app adds werkzeug's default text/plain
            # content type to a 204; the adapter itself sends none.)
            assert response.content == b""
        else:
            assert response.headers["content-type"].startswith("application/json")
        self.check_document(response)
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

    def error_response(
        self, method: str, path: str, expect: int, **kwargs: Any
    ) -> tuple[httpx.Response, Any]:
        """An error answer with the expected status and a JSON body: (response, parsed body).
        Each version's ``error`` checks the body's shape."""
        response = self.raw(method, path, **kwargs)
        assert response.status_code == expect, (response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/json")
        return response, response.json()


def email_contact(email: str, **extra: Any) -> dict[str, Any]:
    """A contact body with one email address (EMAIL1) and any other ``extra`` fields."""
    return {"email_addresses": [{"email": email, "field": "EMAIL1"}], **extra}


def same_instant(first: str, second: str) -> bool:
    """Whether two Keap timestamps name the same instant: v1 writes ``...+0000`` and v2
    ``...Z`` (keap-facts.md §9.1), so the texts differ across versions."""
    from datetime import datetime

    return datetime.fromisoformat(first) == datetime.fromisoformat(second)
