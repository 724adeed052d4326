"""The account's tags, campaigns (with their sequences) and lead sources, listed page by page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connector.batch.preflight.findings import Findings


def _paged_v2(client: Any, path: str, key: str) -> Iterator[dict[str, Any]]:
    token: str | None = None
    for _ in range(100):  # bounded: 100 pages of 1000
        params: dict[str, Any] = {"page_size": 1000}
        if token:
            params["page_token"] = token
        body = client.request("GET", path, params=params).json()
        yield from body.get(key) or []
        token = body.get("next_page_token")
        if not token:
            return


def _paged_v1(client: Any, path: str, key: str, **extra: Any) -> Iterator[dict[str, Any]]:
    offset = 0
    for _ in range(100):
        params: dict[str, Any] = {"limit": 1000, "offset": offset, **extra}
        body = client.request("GET", path, params=params).json()
        items = body.get(key) or []
        yield from items
        offset += len(items)
        if not items or not body.get("next") or offset >= int(body.get("count") or 0):
            return


def _sequences_of(client: Any, v2: bool, campaign: dict[str, Any]) -> list[dict[str, Any]]:
    if campaign.get("sequences"):
        return list(campaign["sequences"])
    if v2:
        body = client.request("GET", f"/v2/campaigns/{campaign['id']}/sequences").json()
    else:
        # v1 lists campaigns without sequences; the single campaign has them on request.
        body = client.request(
            "GET",
            f"/v1/campaigns/{campaign['id']}",
            params={"optional_properties": "sequences"},
        ).json()
    return list(body.get("sequences") or [])


def inventory(client: Any, findings: Findings, v2: bool) -> None:
    """Fill in the account's tags, campaigns and lead sources (best effort, per listing)."""
    from connector.client.errors import KeapError

    def attempt(what: str, fn: Any) -> list[dict[str, Any]]:
        try:
            return list(fn())
        except KeapError as exc:
            findings.notes.append(f"could not list {what}: {exc}")
            return []

    if v2:
        tags = attempt("tags", lambda: _paged_v2(client, "/v2/tags", "tags"))
        campaigns = attempt("campaigns", lambda: _paged_v2(client, "/v2/campaigns", "campaigns"))
    else:
        tags = attempt("tags", lambda: _paged_v1(client, "/v1/tags", "tags"))
        campaigns = attempt("campaigns", lambda: _paged_v1(client, "/v1/campaigns", "campaigns"))
    findings.tags = [{"id": str(t.get("id")), "name": t.get("name")} for t in tags]
    for c in campaigns:
        seqs = attempt(
            f"sequences of campaign {c.get('id')}", lambda c=c: _sequences_of(client, v2, c)
        )
        findings.campaigns.append(
            {
                "id": str(c.get("id")),
                "name": c.get("name"),
                "sequences": [{"id": str(s.get("id")), "name": s.get("name")} for s in seqs],
            }
        )
    sources = attempt("lead sources", lambda: client.iter_lead_sources())
    findings.lead_sources = [{"id": str(s.get("id")), "name": s.get("name")} for s in sources]
