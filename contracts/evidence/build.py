"""Constructors for evidence exchanges and cassettes.

Every exchange carries its ``source`` and ``note``; every cassette is marked reconstructed,
warns that it is not a recording and lists the sources of its exchanges.
"""

from __future__ import annotations

import json
from typing import Any

from contracts.cassette import Cassette, Exchange
from contracts.evidence.bodies import (
    API_KEY_AUTH,
    FORM_CT,
    JSON_CT,
    QUOTA_HEADERS_BLANK,
    QUOTA_HEADERS_OK,
)
from contracts.evidence.sources import API

NOT_A_RECORDING = (
    "Reconstructed from public documentation and quoted exchanges; "
    "this is NOT a recording of the real Keap API."
)


def _compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _as_header_lists(headers: dict[str, str] | None) -> dict[str, list[str]]:
    return {name: [value] for name, value in (headers or {}).items()}


def _response_text(body: Any) -> str:
    """A body as sent: text as is, nothing as empty, anything else as compact JSON."""
    if body is None:
        return ""
    return body if isinstance(body, str) else _compact_json(body)


def exchange(
    method: str,
    uri: str,
    status: int,
    body: Any,
    *,
    request_headers: dict[str, str] | None = None,
    request_body: str | dict | None = None,
    content_type: str = JSON_CT,
    response_headers: dict[str, str] | None = None,
    reason: str = "",
    source: str | list[str],
    note: str,
    **notes: Any,
) -> Exchange:
    """One reconstructed exchange; a dict ``request_body`` is sent as compact JSON."""
    sent_headers = _as_header_lists(request_headers)
    if isinstance(request_body, dict):
        request_body = _compact_json(request_body)
        sent_headers.setdefault("Content-Type", [JSON_CT])
    answered_headers = {"content-type": [content_type]} if body is not None else {}
    answered_headers.update(_as_header_lists(response_headers))
    return Exchange(
        method=method,
        uri=uri,
        request_headers=sent_headers,
        request_body=request_body or "",
        status=status,
        reason=reason,
        response_headers=answered_headers,
        response_body=_response_text(body),
        notes={"source": source, "note": note, **notes},
    )


def gateway_refusal(uri: str, body: dict[str, Any], **kw: Any) -> Exchange:
    """A GET refused by the gateway: 401 with the quota header families present but blank."""
    return exchange(
        "GET",
        uri,
        401,
        body,
        response_headers=QUOTA_HEADERS_BLANK,
        reason="Unauthorized",
        **kw,
    )


def api_key_call(
    method: str, uri: str, status: int, body: Any, *, request_body: Any = None, **kw: Any
) -> Exchange:
    """A call made with the API key (sending JSON when it has a body), answered with the
    everyday quota headers."""
    headers = API_KEY_AUTH if request_body is None else {**API_KEY_AUTH, "Content-Type": JSON_CT}
    return exchange(
        method,
        uri,
        status,
        body,
        request_headers=headers,
        request_body=request_body,
        response_headers=QUOTA_HEADERS_OK,
        **kw,
    )


def refresh_call(refresh_token: str, status: int, body: dict[str, Any], **kw: Any) -> Exchange:
    """POST /token refreshing ``refresh_token``, form-encoded, with Basic client credentials."""
    return exchange(
        "POST",
        f"{API}/token",
        status,
        body,
        request_headers={**FORM_CT, "Authorization": "Basic SCRUBBED-CLIENT-CREDENTIALS"},
        request_body=f"grant_type=refresh_token&refresh_token={refresh_token}",
        **kw,
    )


def _sources_in_order(exchanges: list[Exchange]) -> list[str]:
    """Every source the exchanges cite, first mention first, each once."""
    sources: list[str] = []
    for ex in exchanges:
        cited = ex.notes["source"]
        for source in [cited] if isinstance(cited, str) else cited:
            if source not in sources:
                sources.append(source)
    return sources


def evidence_cassette(name: str, description: str, exchanges: list[Exchange]) -> Cassette:
    """The cassette ``evidence/<name>``, marked as reconstructed and citing its sources."""
    return Cassette(
        name=f"evidence/{name}",
        exchanges=exchanges,
        metadata={
            "scenario": f"evidence/{name}",
            "reconstructed": True,
            "recorded": False,
            "description": description,
            "warning": NOT_A_RECORDING,
            "sources": _sources_in_order(exchanges),
        },
    )
