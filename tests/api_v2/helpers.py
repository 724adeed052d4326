"""A thin v2 client for the tests (see ``support.api_client``): every success body is validated
against the newest official v2 document (``swagger.yml``, through keapsim.specs.validate); every
error body must be v2's ``{code, message, status, details}``."""

from __future__ import annotations

import re
from typing import Any

import httpx
from support.api_client import SpecCheckedClient, email_contact

from keapsim.api.v2.shapes import CONTACT_FIELDS_V2
from keapsim.specs.defects import DOCUMENT_DEFECTS
from keapsim.specs.validate import check_http_response

__all__ = ["V2", "email_contact"]

CAPTURED_NULLS = next(d for d in DOCUMENT_DEFECTS if d.id == "v2-custom-field-nulls").spec_defects()


# The contact operations that take ``fields`` (list, create, read, update, merge).
_CONTACT_WITH_FIELDS = re.compile(r"^/contacts(/\d+|:merge)?$")
ALL_CONTACT_FIELDS = ",".join(CONTACT_FIELDS_V2)


class V2(SpecCheckedClient):
    """``all_contact_fields``: contact reads and writes ask for every property (``fields``)
    unless the test passes its own, as clients that need more than v2's default subset
    (id and names, keap-facts.md §9.4) do; tests of that default turn it off."""

    prefix = "/v2"

    def __init__(self, client: httpx.Client, *, all_contact_fields: bool = True) -> None:
        super().__init__(client)
        self.all_contact_fields = all_contact_fields

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        params = kwargs.get("params")
        if (
            self.all_contact_fields
            and method in ("GET", "POST", "PATCH")
            and _CONTACT_WITH_FIELDS.match(path.split("?", 1)[0])
            and (params is None or isinstance(params, dict))
            and "fields" not in (params or {})
        ):
            kwargs["params"] = {**(params or {}), "fields": ALL_CONTACT_FIELDS}
        return super().call(method, path, expect, **kwargs)

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
