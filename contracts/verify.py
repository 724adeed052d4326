"""The comparison engine: replay a cassette's requests against a target, compare responses.

For every recorded exchange, in order:

1. the request is re-targeted (same path and query, the target's base URL);
2. role placeholders left by the scrubber (``SCRUBBED-API-KEY``, ``SCRUBBED-ACCESS-TOKEN``,
   ``SCRUBBED-CLIENT-CREDENTIALS``...) are resolved to the target's own credentials, and ids
   seen in earlier recorded responses are rewritten to the ids the target returned for the
   same exchange (so ``POST /contacts`` then ``GET /contacts/{id}`` keeps working);
3. exchanges that need a precondition (``notes.requires``: an expired token, a throttled
   key, an auth code) are prepared through the target, or skipped when it cannot;
4. the actual response is compared with the recorded one (:mod:`contracts.compare`) and
   declared divergences are applied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from contracts.cassette import Cassette, Exchange, find_cassettes, load_cassette
from contracts.compare import ID_KEY_RE, Drift, compare_exchange
from contracts.divergences import Divergence, apply_divergences, load_divergences
from contracts.report import ExchangeResult, ScenarioResult, VerifyReport
from contracts.scrub import PLACEHOLDER_RE
from contracts.targets import Target

HOP_HEADERS = {
    "host",
    "content-length",
    "connection",
    "accept-encoding",
    "transfer-encoding",
    "user-agent",
    "cookie",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BIND_TOKEN_KEYS = {"access_token", "refresh_token"}
ID_QUERY_RE = re.compile(r"(^|_)ids?$|Ids?$")


@dataclass
class Bindings:
    """Recorded value -> actual value, for ids and tokens."""

    values: dict[str, str] = field(default_factory=dict)

    def bind(self, recorded: Any, actual: Any, *, override: bool = False) -> None:
        if recorded is None or actual is None or isinstance(recorded, bool):
            return
        r, a = str(recorded), str(actual)
        if r == a or r == "":
            return
        if override or r not in self.values:
            self.values[r] = a

    def get(self, value: str) -> str:
        return self.values.get(value, value)

    def learn(self, recorded: Any, actual: Any, *, top: bool = True) -> None:
        """Walk two JSON documents in parallel and bind ids/tokens found at the same place."""
        if isinstance(recorded, dict) and isinstance(actual, dict):
            for key, rv in recorded.items():
                if key not in actual:
                    continue
                av = actual[key]
                if isinstance(rv, dict | list):
                    self.learn(rv, av, top=False)
                elif key in BIND_TOKEN_KEYS:
                    self.bind(rv, av, override=True)
                elif ID_KEY_RE.match(str(key)) and isinstance(rv, int | str):
                    self.bind(rv, av, override=top and key == "id")
        elif isinstance(recorded, list) and isinstance(actual, list):
            for rv, av in zip(recorded, actual, strict=False):
                self.learn(rv, av, top=False)


def resolve_placeholders(text: str, target: Target, bindings: Bindings) -> str:
    """Replace role placeholders with the target's credentials (or learned tokens)."""
    creds = target.credentials

    def sub(match: re.Match[str]) -> str:
        ph = match.group(0)
        if ph in bindings.values:
            return bindings.values[ph]
        role_values = {
            "SCRUBBED-API-KEY": creds.api_key,
            "SCRUBBED-CLIENT-ID": creds.client_id,
            "SCRUBBED-CLIENT-SECRET": creds.client_secret,
            "SCRUBBED-ACCESS-TOKEN": creds.access_token,
            "SCRUBBED-REFRESH-TOKEN": creds.refresh_token,
            "SCRUBBED-CLIENT-CREDENTIALS": (creds.basic or "Basic ").split(" ", 1)[1],
            "SCRUBBED-REDIRECT-URI": creds.redirect_uri,
        }
        value = role_values.get(ph)
        return value if value else ph

    return PLACEHOLDER_RE.sub(sub, text)


def _rewrite_path(path: str, bindings: Bindings) -> str:
    segments = path.split("/")
    return "/".join(bindings.get(s) if s.isdigit() else s for s in segments)


def _rewrite_query(query: str, bindings: Bindings) -> str:
    if not query:
        return query
    pairs = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if ID_QUERY_RE.search(key):
            value = ",".join(bindings.get(v) for v in value.split(","))
        pairs.append((key, value))
    return urlencode(pairs, safe=",")


def _rewrite_json(doc: Any, bindings: Bindings, key: str = "") -> Any:
    if isinstance(doc, dict):
        return {k: _rewrite_json(v, bindings, str(k)) for k, v in doc.items()}
    is_id_key = bool(ID_KEY_RE.match(key) or ID_QUERY_RE.search(key))
    if isinstance(doc, list):
        return [_rewrite_json(v, bindings, key) for v in doc]
    if is_id_key and isinstance(doc, int | str) and not isinstance(doc, bool):
        new = bindings.get(str(doc))
        if isinstance(doc, int) and new.lstrip("-").isdigit():
            return int(new)
        return new if isinstance(doc, str) else doc
    return doc


def build_request(exchange: Exchange, target: Target, bindings: Bindings) -> httpx.Request:
    parts = urlsplit(exchange.uri)
    path = _rewrite_path(resolve_placeholders(parts.path, target, bindings), bindings)
    query = _rewrite_query(resolve_placeholders(parts.query, target, bindings), bindings)
    headers = {}
    creds = target.credentials
    for key, values in exchange.request_headers.items():
        if key.lower() in HOP_HEADERS or not values:
            continue
        if values[0] == "SCRUBBED-API-KEY" and not creds.api_key and creds.access_token:
            headers["Authorization"] = f"Bearer {creds.access_token}"  # an OAuth-only target
            continue
        headers[key] = resolve_placeholders(values[0], target, bindings)
    body = exchange.request_body
    ctype = (exchange.header("content-type", response=False) or "").lower()
    if body and "json" in ctype:
        try:
            body = json.dumps(_rewrite_json(json.loads(body), bindings), separators=(",", ":"))
        except ValueError:
            pass  # malformed JSON is a scenario of its own: send it unchanged
    body = resolve_placeholders(body, target, bindings) if body else body
    url = target.base_url + path + (f"?{query}" if query else "")
    return httpx.Request(exchange.method, url, headers=headers, content=body.encode() or None)


def _requirements(exchange: Exchange) -> list[str]:
    req = exchange.notes.get("requires") or []
    return [req] if isinstance(req, str) else list(req)


def verify_cassette(
    cassette: Cassette,
    target: Target,
    divergences: Iterable[Divergence] = (),
) -> ScenarioResult:
    divergences = list(divergences)
    result = ScenarioResult(
        name=cassette.name,
        path=str(cassette.path or ""),
        reconstructed=cassette.reconstructed,
        provenance=cassette.provenance,
        sources=[str(s) for s in cassette.metadata.get("sources") or []],
    )
    writes = any(
        ex.method in WRITE_METHODS and not ex.path.rstrip("/").endswith("/token") for ex in cassette
    )
    if writes and not target.allow_writes:
        result.skipped = (
            "scenario writes data; the target is not marked as a sandbox (set KEAP_SANDBOX=1)"
        )
        return result
    bindings = Bindings()
    for index, exchange in enumerate(cassette.exchanges, 1):
        res = ExchangeResult(index=index, label=exchange.label, expected_status=exchange.status)
        result.exchanges.append(res)
        missing = [r for r in _requirements(exchange) if not target.supports(r)]
        if missing:
            res.skipped = f"target cannot provide {', '.join(missing)}"
            continue
        setups = exchange.notes.get("setup") or []
        try:
            for requirement in [s for s in setups if target.supports(s)]:
                target.prepare(requirement, bindings=bindings, exchange=exchange)
            for requirement in _requirements(exchange):
                produced = target.prepare(requirement, bindings=bindings, exchange=exchange)
                if isinstance(produced, dict):
                    for placeholder, value in produced.items():
                        bindings.bind(placeholder, value, override=True)
        except Exception as exc:  # the target could not set the precondition up
            result.error = f"#{index} {exchange.label}: precondition failed: {exc}"
            res.skipped = "precondition failed"
            break
        try:
            request = build_request(exchange, target, bindings)
            response = target.client.send(request)
        except httpx.HTTPError as exc:
            result.error = f"#{index} {exchange.label}: {type(exc).__name__}: {exc}"
            break
        res.actual_status = response.status_code
        body = response.text
        drifts = compare_exchange(exchange, response.status_code, dict(response.headers), body)
        drifts = _apply_exchange_scope(exchange, drifts)
        apply_divergences(
            drifts,
            divergences,
            scenario=cassette.name,
            index=index,
            label=exchange.label,
            target=target.name,
        )
        res.drifts = drifts
        recorded_doc = exchange.response_json()
        try:
            actual_doc = json.loads(body) if body else None
        except ValueError:
            actual_doc = None
        bindings.learn(recorded_doc, actual_doc)
        _track_credentials(exchange, recorded_doc, actual_doc, target)
    return result


def _apply_exchange_scope(exchange: Exchange, drifts: list[Drift]) -> list[Drift]:
    """Honour per-exchange notes: ``compare: status`` and ``shape: subset``."""
    if exchange.notes.get("compare") == "status":
        drifts = [d for d in drifts if d.kind == "status_change"]
    if exchange.notes.get("shape") == "subset":
        for d in drifts:
            if d.kind == "unexpected_field":
                d.severity = "info"
    return drifts


def _track_credentials(exchange: Exchange, recorded: Any, actual: Any, target: Target) -> None:
    """After a successful refresh the target's refresh token has rotated: keep up."""
    if not exchange.path.rstrip("/").endswith("/token") or not isinstance(actual, dict):
        return
    if isinstance(recorded, dict) and recorded.get("refresh_token") == "SCRUBBED-REFRESH-TOKEN":
        return
    if actual.get("refresh_token") and target.name != "sim":
        target.credentials.refresh_token = actual["refresh_token"]
        target.credentials.access_token = actual.get("access_token")


def scenario_name(path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = Path(path.name)
    return str(rel.with_suffix("")).replace("\\", "/")


def verify_paths(
    paths: Iterable[Path],
    target_factory: Any,
    *,
    root: Path,
    divergences_file: Path | None = None,
    divergences: list[Divergence] | None = None,
    target_name: str | None = None,
) -> VerifyReport:
    """Verify every cassette with a fresh target from ``target_factory()`` each."""
    divs = divergences if divergences is not None else load_divergences(divergences_file)
    report = VerifyReport(target=target_name or "?")
    for path in paths:
        cassette = load_cassette(path)
        cassette.name = str(cassette.metadata.get("scenario") or scenario_name(path, root))
        try:
            target = target_factory()
        except Exception as exc:  # a target that cannot start is an error, not drift
            report.scenarios.append(ScenarioResult(name=cassette.name, error=str(exc)))
            continue
        report.target = target_name or target.name
        try:
            report.scenarios.append(verify_cassette(cassette, target, divs))
        finally:
            target.close()
    report.unused_divergences = [
        d.describe() for d in divs if d.used == 0 and (not d.targets or report.target in d.targets)
    ]
    return report


def verify_directory(
    root: Path,
    target_factory: Any,
    *,
    divergences_file: Path | None = None,
    pattern: str | None = None,
    target_name: str | None = None,
) -> VerifyReport:
    paths = find_cassettes(root)
    root = root if root.is_dir() else root.parent
    if pattern:
        import fnmatch

        # the pattern may name a cassette by its path under ``root`` or by the scenario name
        # the report shows (``scenarios/oauth/throttled``)
        paths = [
            p
            for p in paths
            if fnmatch.fnmatch(scenario_name(p, root), pattern)
            or fnmatch.fnmatch(str(load_cassette(p).metadata.get("scenario") or ""), pattern)
        ]
    return verify_paths(
        paths, target_factory, root=root, divergences_file=divergences_file, target_name=target_name
    )


__all__ = [
    "Bindings",
    "Drift",
    "build_request",
    "resolve_placeholders",
    "verify_cassette",
    "verify_directory",
    "verify_paths",
]
