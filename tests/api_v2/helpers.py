"""A thin v2 client for the tests: every call states the status it expects, and every success
body is validated against the newest official v2 document (``swagger.yml``, through
keapsim.specs.validate); every error body must be v2's ``{code, message, status, details}``."""

from __future__ import annotations

from typing import Any

import httpx

from keapsim.specs.validate import check_http_response


class V2:
    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, "/v2" + path, **kwargs)

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = self.raw(method, path, **kwargs)
        assert response.status_code == expect, (response.status_code, response.text)
        if expect == 204:
            assert response.content == b""
        else:
            assert response.headers["content-type"].startswith("application/json")
        # The SDK document's server is .../crm with paths /rest/v2/...; no defect is needed.
        assert check_http_response("v2", response, prefix="/crm") == []
        return response.json() if response.content else None

    def get(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("GET", path, expect, **kwargs)

    def post(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("POST", path, expect, **kwargs)

    def patch(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        return self.call("PATCH", path, expect, **kwargs)

    def delete(self, path: str, expect: int = 204, **kwargs: Any) -> Any:
        return self.call("DELETE", path, expect, **kwargs)

    def error(self, method: str, path: str, expect: int, **kwargs: Any) -> dict[str, Any]:
        """A v2 application error; returns the body after checking its shape."""
        response = self.raw(method, path, **kwargs)
        assert response.status_code == expect, (response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert set(body) == {"code", "message", "status", "details"}, body
        assert body["code"] == expect
        assert isinstance(body["message"], str) and body["message"]
        assert isinstance(body["status"], str) and isinstance(body["details"], list)
        return body

    def all_pages(self, path: str, key: str, page_size: int, **params: Any) -> list[Any]:
        """Every item of a v2 list, following next_page_token to the end."""
        items: list[Any] = []
        token = None
        while True:
            query = {**params, "page_size": page_size, **({"page_token": token} if token else {})}
            body = self.get(path, params=query)
            assert len(body[key]) <= page_size
            items.extend(body[key])
            token = body.get("next_page_token")
            if not token:
                return items


def email_contact(email: str, **extra: Any) -> dict[str, Any]:
    return {"email_addresses": [{"email": email, "field": "EMAIL1"}], **extra}
