"""A thin v2 client for the tests (see ``support.api_client``): every success body is validated
against the newest official v2 document (``swagger.yml``, through keapsim.specs.validate); every
error body must be v2's ``{code, message, status, details}``."""

from __future__ import annotations

from typing import Any

import httpx
from support.api_client import SpecCheckedClient, email_contact

from keapsim.specs.defects import DOCUMENT_DEFECTS
from keapsim.specs.validate import check_http_response

__all__ = ["V2", "email_contact"]

CAPTURED_NULLS = next(
    d for d in DOCUMENT_DEFECTS if d.id == "v2-custom-field-nulls"
).spec_defects()


class V2(SpecCheckedClient):
    prefix = "/v2"

    def check_document(self, response: httpx.Response) -> None:
        # The SDK document's server is .../crm with paths /rest/v2/...; no defect is needed
        # but the captured null custom-field properties (keap-facts.md §9.3).
        used = check_http_response("v2", response, prefix="/crm")
        assert all(defect in CAPTURED_NULLS for defect in used), used

    def error(self, method: str, path: str, expect: int, **kwargs: Any) -> dict[str, Any]:
        """A v2 application error; returns the body after checking its shape."""
        _, body = self.error_response(method, path, expect, **kwargs)
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
