"""The request journal: a bounded ring of every request and its response.

Each exchange (method, path, query, headers with credentials masked, bodies up to
``body_limit`` bytes, status, latency, tenant, the fault rule that fired) becomes a
:class:`JournalEntry` in a ``collections.deque(maxlen=...)`` (default
:data:`DEFAULT_JOURNAL_SIZE`), so memory stays flat however many requests pass. Admin calls
(``/_keapsim/...``) are not recorded.

Python: ``sim.journal.count(method="POST", path="/crm/rest/v1/contacts")``, ``.find(...)``,
``.assert_called(..., times=N)``, ``.to_jsonl()``, ``.to_vcr()``. Admin API:
``/_keapsim/journal``. The same stage counts requests for scenario hooks
(:meth:`Journal.after_requests`), which run even when recording is off.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, field
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from werkzeug.datastructures import EnvironHeaders
from werkzeug.wrappers import Request, Response

from ..datarecord import record_class
from .auth import PRINCIPAL
from .faults import FAULT_ENVIRON_KEY, credential_tenant_id, request_body
from .pipeline import ADMIN_PREFIX, Handler

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from ..clock import Clock
    from ..store import IdentityStore

DEFAULT_JOURNAL_SIZE = 10_000
DEFAULT_BODY_LIMIT = 4_096
MASKED_HEADERS = frozenset(
    {"authorization", "x-keap-api-key", "cookie", "set-cookie", "proxy-authorization"}
)
# Secrets in query strings, form bodies and JSON bodies (the OAuth token exchange carries them).
# ``code`` is masked in query strings and form bodies only: in JSON it is the v2 error code.
SECRET_FIELDS = frozenset({"access_token", "refresh_token", "client_secret", "api_key", "password"})
SECRET_FORM_FIELDS = SECRET_FIELDS | {"code"}


# The patterns below are compiled when a body first needs them (a body naming a secret, a
# text/html body), not at import: about 0.3 ms of start-up for three patterns most servers
# never use. Masking calls them once per such body; the cache makes that a dict lookup.
@cache
def _secret_in_text() -> re.Pattern[str]:
    """``name=value`` for a secret field, in query strings and text bodies."""
    return re.compile(r"\b(" + "|".join(sorted(SECRET_FIELDS)) + r")=([^&\"'\s\\]+)")


@cache
def _secret_in_html() -> re.Pattern[str]:
    """``name=value`` for a secret form field (``code`` too) in an HTML page."""
    return re.compile(r"\b(" + "|".join(sorted(SECRET_FORM_FIELDS)) + r")=([^&\"'\s\\]+)")


def mask(value: str) -> str:
    """``Bearer ****wxyz``: the scheme and the last four characters survive, so entries can be
    told apart without keeping a usable credential."""
    scheme, space, rest = value.partition(" ")
    if space and scheme.lower() in ("bearer", "basic"):
        return f"{scheme} {mask(rest)}"
    return f"****{value[-4:]}" if len(value) >= 12 else "****"


@record_class
class JournalEntry:
    """One request and what came back. ``status`` is None when the connection was dropped;
    bodies are text (decoded as UTF-8 with replacement), cut at the journal's body limit."""

    seq: int
    time: float
    method: str
    path: str
    query: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    latency_ms: float = 0.0
    tenant: str | None = None
    fault: str | None = None
    error: str | None = None
    request_body_truncated: bool = False
    response_body_truncated: bool = False
    # hooks: "request" for a request keapsim answered; "hook.verify" / "hook.delivery" for a
    # post keapsim made to a hook URL (``path`` is then the whole URL), with its attempt number.
    kind: str = "request"
    attempt: int | None = None

    def settle(self) -> JournalEntry:
        """The entry itself (a recorded request's entry is made when first read: see
        :meth:`_Exchange.settle`; both are what :meth:`Journal.__iter__` hands out)."""
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        query = f"?{self.query}" if self.query else ""
        outcome = self.status if self.status is not None else f"({self.error})"
        fault = f" fault={self.fault}" if self.fault else ""
        return f"#{self.seq} {self.method} {self.path}{query} -> {outcome}{fault}"


class _Exchange:
    """A request keapsim answered, as recorded: the raw pieces, made into a masked
    :class:`JournalEntry` when first read (:meth:`settle`).

    Recording keeps bytes, header pairs and the request's header variables and masks them only
    when the journal is read: masking and decoding every exchange cost about a fifth of a
    request's time in keapsim, and most entries are pushed out of the ring unread. Building the
    entry itself (eighteen fields, two dicts) when read rather than per request too: one object
    with slots is recorded instead of two objects and three dicts (issue 18, session 3).
    """

    __slots__ = (
        "seq",
        "time",
        "method",
        "path",
        "query",
        "body_limit",
        "request_headers",
        "request_body",
        "request_type",
        "request_cut",
        "status",
        "response_headers",
        "response_body",
        "response_cut",
        "seconds",
        "tenant",
        "fault",
        "error",
        "_entry",
    )

    def __init__(
        self,
        seq: int,
        time: float,
        method: str,
        path: str,
        query: str,
        body_limit: int,
        request_headers: dict[str, Any],
        request_body: bytes,
        request_type: str | None,
    ) -> None:
        self.seq = seq
        self.time = time
        self.method = method
        self.path = path
        self.query = query
        self.body_limit = body_limit
        # The environ's header variables: werkzeug's EnvironHeaders reads only these, so the
        # headers it gives at settle time are the request's.
        self.request_headers = request_headers
        self.request_body = request_body
        self.request_type = request_type
        # A body over the limit is masked and cut when recorded, never kept raw (a ring of raw
        # bodies of any size would keep them all): (text, True) here, ``request_body`` unused.
        self.request_cut: tuple[str, bool] | None = None
        self.status: int | None = None  # None: dropped without a response
        self.response_headers: tuple[tuple[str, str], ...] | None = None
        self.response_body: bytes | None = None  # None: streamed, or cut (response_cut)
        self.response_cut: tuple[str, bool] | None = None
        self.seconds = 0.0
        self.tenant: str | None = None
        self.fault: str | None = None
        self.error: str | None = None
        self._entry: JournalEntry | None = None

    def settle(self) -> JournalEntry:
        """The masked entry, made once: every reader gets the same object (two readers
        racing build equal entries, and the first one stored is the one kept)."""
        entry = self._entry
        if entry is not None:
            return entry
        entry = self._build()
        with _SETTLING:
            if self._entry is None:
                self._entry = entry
                # The raw pieces are not needed again: free the bodies.
                self.request_body = self.response_body = b""
            return self._entry

    def _build(self) -> JournalEntry:
        limit = self.body_limit
        request_body, request_cut = self.request_cut or _masked_body(
            self.request_body, self.request_type, limit
        )
        entry = JournalEntry(
            seq=self.seq,
            time=self.time,
            method=self.method,
            path=self.path,
            query=_masked_query(self.query),
            request_headers=_masked_headers(EnvironHeaders(self.request_headers).items()),
            request_body=request_body,
            request_body_truncated=request_cut,
            status=self.status,
            latency_ms=round(self.seconds * 1000, 3),
            tenant=self.tenant,
            fault=self.fault,
            error=self.error,
        )
        headers = self.response_headers
        if headers is not None:
            entry.response_headers = _masked_headers(headers)
        if self.response_cut is not None:
            entry.response_body, entry.response_body_truncated = self.response_cut
        elif self.response_body is not None and headers is not None:
            entry.response_body, entry.response_body_truncated = _masked_body(
                self.response_body, _content_type(headers), limit
            )
        return entry


_SETTLING = threading.Lock()


def _content_type(headers: Iterable[tuple[str, str]]) -> str | None:
    """``Response.content_type`` read from the response's header pairs (the first
    ``Content-Type``, any case, as werkzeug's ``Headers.get`` finds it)."""
    for name, value in headers:
        if name.lower() == "content-type":
            return value
    return None


@record_class(slots=False)
class _Hook:
    remaining: int
    action: Callable[[], None]
    tenant: str | None


class Journal:
    """The ring of :class:`JournalEntry`. Thread-safe; ``enabled=False`` records nothing (the
    request hooks still run). ``clock`` stamps entries with simulated time (wall time without)."""

    def __init__(
        self,
        maxlen: int = DEFAULT_JOURNAL_SIZE,
        *,
        enabled: bool = True,
        body_limit: int = DEFAULT_BODY_LIMIT,
        clock: Clock | None = None,
        identity: IdentityStore | None = None,
    ) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be at least 1")
        self.enabled = enabled
        self.body_limit = body_limit
        self.clock = clock
        self.identity = identity
        # Requests keapsim answered are kept as _Exchange until read; hook posts as entries.
        self._entries: deque[JournalEntry | _Exchange] = deque(maxlen=maxlen)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._hooks: list[_Hook] = []

    @property
    def maxlen(self) -> int:
        return self._entries.maxlen or 0

    # -- recording ---------------------------------------------------------------------------
    def record(self, entry: JournalEntry | _Exchange) -> None:
        with self._lock:
            self._entries.append(entry)

    def next_seq(self) -> int:
        return next(self._seq)

    def record_outgoing(
        self,
        *,
        kind: str,
        attempt: int,
        url: str,
        tenant: str | None,
        request_headers: dict[str, str],
        request_body: bytes,
        status: int | None,
        response_headers: dict[str, str],
        response_body: bytes,
        latency_ms: float,
        error: str | None = None,
        fault: str | None = None,
    ) -> None:
        """hooks: journal a post keapsim made (a REST hook verification or delivery attempt;
        ``path`` is the whole URL). Bodies are cut and masked as a request's are."""
        if not self.enabled:
            return
        limit = self.body_limit
        sent, sent_cut = _masked_body(request_body, request_headers.get("Content-Type"), limit)
        answer, answer_cut = _masked_body(
            response_body, response_headers.get("content-type"), limit
        )
        self.record(
            JournalEntry(
                seq=self.next_seq(),
                time=self.clock.time() if self.clock else time.time(),
                method="POST",
                path=url,
                query="",
                request_headers=_masked_headers(request_headers.items()),
                request_body=sent,
                request_body_truncated=sent_cut,
                status=status,
                response_headers=_masked_headers(response_headers.items()),
                response_body=answer,
                response_body_truncated=answer_cut,
                latency_ms=latency_ms,
                tenant=tenant,
                fault=fault,
                error=error,
                kind=kind,
                attempt=attempt,
            )
        )

    def clear(self) -> None:
        """Forget every entry and pending hook (sequence numbers keep growing)."""
        with self._lock:
            self._entries.clear()
            self._hooks.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        with self._lock:
            entries = list(self._entries)
        return iter([entry.settle() for entry in entries])  # outside the lock: see settle

    # -- request hooks (scenarios) -----------------------------------------------------------
    def after_requests(
        self, count: int, action: Callable[[], None], *, tenant: str | None = None
    ) -> None:
        """Run ``action`` just before the ``count``-th request from now (of ``tenant`` only,
        when given) is handled: ``after_requests(3, lambda: clock.advance(86400))`` makes the
        third request see a day later. Admin calls do not count."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._hooks.append(_Hook(count, action, tenant))

    def _run_hooks(self, request: Request) -> None:
        with self._lock:
            if not self._hooks:
                return
            tenant = (
                credential_tenant_id(self.identity, request)
                if any(h.tenant is not None for h in self._hooks)
                else None
            )
            due = []
            for hook in self._hooks:
                if hook.tenant is None or hook.tenant == tenant:
                    hook.remaining -= 1
                    if hook.remaining == 0:
                        due.append(hook)
            self._hooks = [h for h in self._hooks if h.remaining > 0]
        for hook in due:
            hook.action()

    @property
    def pending_hooks(self) -> int:
        return len(self._hooks)

    # -- queries -----------------------------------------------------------------------------
    def find(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        status: int | Iterable[int] | None = None,
        tenant: str | None = None,
        fault: str | bool | None = None,
        query: dict[str, str] | None = None,
        body_contains: str | None = None,
        limit: int | None = None,
        kind: str | None = None,
    ) -> list[JournalEntry]:
        """Entries oldest first that satisfy every given filter; ``limit`` keeps the newest.

        ``path`` is a glob (``/crm/rest/v1/contacts*``); ``status`` one code or several;
        ``fault`` a rule id, or True/False for "some rule fired"/"none did"; ``query`` a subset
        of the query parameters; ``body_contains`` a substring of the request body; ``kind`` a
        glob on the entry's kind (``hook.*``: the posts keapsim made to hook URLs).
        """
        method = method.upper() if method else None
        statuses = (
            {status} if isinstance(status, int) else set(status) if status is not None else None
        )
        found = []
        for entry in self:
            if method is not None and entry.method != method:
                continue
            if kind is not None and not fnmatch.fnmatchcase(entry.kind, kind):
                continue
            if path is not None and not fnmatch.fnmatchcase(entry.path, path):
                continue
            if statuses is not None and entry.status not in statuses:
                continue
            if tenant is not None and entry.tenant != tenant:
                continue
            if fault is not None and not _fault_matches(entry.fault, fault):
                continue
            if query is not None:
                params = dict(parse_qsl(entry.query, keep_blank_values=True))
                if any(params.get(k) != str(v) for k, v in query.items()):
                    continue
            if body_contains is not None and body_contains not in entry.request_body:
                continue
            found.append(entry)
        if limit is not None:
            found = found[-limit:] if limit > 0 else []
        return found

    def count(self, **filters: Any) -> int:
        """How many entries :meth:`find` would return for these filters."""
        filters.pop("limit", None)
        return len(self.find(**filters))

    def last(self, **filters: Any) -> JournalEntry | None:
        found = self.find(**filters, limit=1)
        return found[0] if found else None

    def assert_called(self, *, times: int | None = None, **filters: Any) -> list[JournalEntry]:
        """Assert that requests matching ``filters`` were journaled (exactly ``times`` of them,
        when given; at least one otherwise). Returns them; the failure message lists what was
        seen instead."""
        found = self.find(**filters)
        if (times is None and found) or (times is not None and len(found) == times):
            return found
        wanted = ", ".join(f"{k}={v!r}" for k, v in filters.items()) or "any request"
        expected = f"exactly {times}" if times is not None else "at least 1"
        recent = list(self)[-10:]
        seen = "\n".join(f"  {entry}" for entry in recent) or "  (journal is empty)"
        raise AssertionError(
            f"expected {expected} request(s) matching {wanted}, found {len(found)}.\n"
            f"Last {len(recent)} journaled request(s):\n{seen}"
        )

    def assert_not_called(self, **filters: Any) -> None:
        self.assert_called(times=0, **filters)

    # -- export ------------------------------------------------------------------------------
    def to_jsonl(self, entries: Iterable[JournalEntry] | None = None) -> str:
        """One JSON object per line (the fields of :class:`JournalEntry`)."""
        rows = entries if entries is not None else self
        return "".join(json.dumps(entry.to_dict()) + "\n" for entry in rows)

    def to_vcr(
        self, entries: Iterable[JournalEntry] | None = None, base_url: str = "http://keapsim.local"
    ) -> str:
        """A vcrpy cassette (YAML, format version 1). Dropped connections are left out (a
        cassette cannot express them); credentials stay masked, bodies stay cut at the limit."""
        rows = entries if entries is not None else self
        interactions = []
        for entry in rows:
            if entry.status is None or entry.kind != "request":  # hooks: outgoing posts
                continue
            query = f"?{entry.query}" if entry.query else ""
            interactions.append(
                {
                    "request": {
                        "body": entry.request_body or None,
                        "headers": {k: [v] for k, v in entry.request_headers.items()},
                        "method": entry.method,
                        "uri": f"{base_url.rstrip('/')}{entry.path}{query}",
                    },
                    "response": {
                        "body": {"string": entry.response_body},
                        "headers": {k: [v] for k, v in entry.response_headers.items()},
                        "status": {"code": entry.status, "message": _reason(entry.status)},
                    },
                }
            )
        import yaml  # only the cassette export needs it; serving starts without it

        return yaml.safe_dump({"interactions": interactions, "version": 1}, sort_keys=False)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _fault_matches(actual: str | None, wanted: str | bool) -> bool:
    if isinstance(wanted, bool):
        return (actual is not None) is wanted
    return actual == wanted


def _masked_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    masked = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in MASKED_HEADERS:
            value = mask(value)
        elif lowered == "location":
            # The authorize redirect carries the authorization code in its query string.
            value = _masked_url(value)
        masked[name] = value
    return masked


def _masked_url(url: str) -> str:
    base, question, rest = url.partition("?")
    if not question:
        return url
    query, hash_, fragment = rest.partition("#")
    return f"{base}?{_masked_query(query)}{hash_}{fragment}"


def _masked_query(query: str) -> str:
    if not query or not any(name in query for name in SECRET_FORM_FIELDS):
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k in SECRET_FORM_FIELDS for k, _ in pairs):
        return query
    return urlencode([(k, mask(v) if k in SECRET_FORM_FIELDS else v) for k, v in pairs])


# Bodies are parsed for masking up to this size; past it only a prefix is kept, masked as text.
MASKING_PARSE_LIMIT = 256 * 1024


@cache
def _secret_in_json() -> re.Pattern[str]:
    """``"name": "value"`` for a secret field, in JSON text too deep or broken to parse."""
    return re.compile(r'"(' + "|".join(sorted(SECRET_FIELDS)) + r')"(\s*:\s*)"((?:[^"\\]|\\.)*)"')


def _masked_body(raw: bytes, content_type: str | None, limit: int) -> tuple[str, bool]:
    """The body as text with secrets masked, cut at ``limit`` characters. Never raises: any
    body, however malformed, large or deeply nested, is recorded (it runs before
    authentication, so an anonymous request must not be able to make it fail)."""
    if not raw:
        return "", False
    prefix_only = len(raw) > MASKING_PARSE_LIMIT
    text = raw[:MASKING_PARSE_LIMIT].decode("utf-8", "replace")
    mimetype = (content_type or "").split(";")[0].strip().lower()
    if mimetype == "application/x-www-form-urlencoded":
        text = _masked_query(text)
    elif mimetype == "text/html":
        # A redirect page repeats its Location, the authorization code included.
        text = _secret_in_html().sub(lambda m: f"{m[1]}={mask(m[2])}", text)
    elif any(name in text for name in SECRET_FIELDS):
        if "json" in mimetype and not prefix_only:
            text = _masked_json_text(text)
        # Keap's v1 paging links echo the query string, ``access_token=`` included.
        text = _secret_in_text().sub(lambda m: f"{m[1]}={mask(m[2])}", text)
    if prefix_only or len(text) > limit:
        return text[:limit], True
    return text, False


def _masked_json_text(text: str) -> str:
    try:
        return json.dumps(_mask_json(json.loads(text)))
    except (ValueError, RecursionError):
        # Not JSON, or nested too deeply to walk: mask "secret": "value" pairs in the text.
        return _secret_in_json().sub(lambda m: f'"{m[1]}"{m[2]}"{mask(m[3])}"', text)


def _mask_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: mask(v) if k in SECRET_FIELDS and isinstance(v, str) else _mask_json(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    return value


# The WSGI environ variables that carry request headers (what EnvironHeaders reads).
HEADER_VARIABLES = ("HTTP_", "CONTENT_TYPE", "CONTENT_LENGTH")

# Environ shape (its keys, in order) → the header variables among them, in the same order.
# A server builds the environ of each request the same way and a client sends the same headers
# each time, so there are few shapes; past SHAPES_KEPT (a client sending ever new header
# names) the cache starts again rather than grow.
_HEADER_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}
SHAPES_KEPT = 256


def header_variables(environ: WSGIEnvironment) -> dict[str, Any]:
    """``{k: v for k, v in environ.items() if k.startswith(HEADER_VARIABLES)}``, faster.

    That comprehension tests every key of the environ (two dozen, mostly the server's and
    keapsim's own) and was about 4 µs of a v1 GET through WSGI, a tenth of the request
    (issue 18); the names are now found once per environ shape (C-level tuple build, hash and
    lookup: under 1 µs) and only the header variables are read."""
    shape = tuple(environ)
    names = _HEADER_NAMES.get(shape)
    if names is None:
        if len(_HEADER_NAMES) >= SHAPES_KEPT:
            _HEADER_NAMES.clear()
        names = _HEADER_NAMES[shape] = tuple(k for k in shape if k.startswith(HEADER_VARIABLES))
    return {name: environ[name] for name in names}


class RecordJournal:
    """Gateway stage: records each exchange in the journal (admin calls excepted) and runs the
    journal's request hooks before the request goes on."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def __call__(self, request: Request, call_next: Handler) -> Response:
        journal = self.journal
        if request.path.startswith(ADMIN_PREFIX):
            return call_next(request)
        if journal._hooks:
            journal._run_hooks(request)
        if not journal.enabled:
            return call_next(request)
        started = time.perf_counter()
        body = request_body(request)  # first: it may set CONTENT_LENGTH (a chunked body)
        environ = request.environ
        limit = journal.body_limit
        exchange = _Exchange(
            journal.next_seq(),
            journal.clock.time() if journal.clock else time.time(),
            request.method,
            request.path,
            environ.get("QUERY_STRING", ""),
            limit,
            header_variables(environ),
            body,
            environ.get("CONTENT_TYPE"),
        )
        if len(body) > limit:
            exchange.request_cut = _masked_body(body, exchange.request_type, limit)
            exchange.request_body = b""
        try:
            response = call_next(request)
        except BaseException as err:
            exchange.error = f"{type(err).__name__}: connection dropped without a response"
            self._finish(exchange, request, started)
            raise
        exchange.status = response.status_code
        # The pairs as a tuple, not a list: a tuple of string pairs is soon untracked by the
        # garbage collector, so ten thousand kept exchanges add fewer objects to its full
        # collections (about 1 µs of a GET and of a create: three alternated runs, load 8).
        headers = exchange.response_headers = tuple(response.headers)
        if not response.is_streamed:
            answer = _buffered_body(response)
            if len(answer) > limit:
                exchange.response_cut = _masked_body(answer, _content_type(headers), limit)
            else:
                exchange.response_body = answer
        self._finish(exchange, request, started)
        return response

    def _finish(self, exchange: _Exchange, request: Request, started: float) -> None:
        environ = request.environ
        exchange.seconds = time.perf_counter() - started
        exchange.fault = environ.get(FAULT_ENVIRON_KEY)
        principal = environ.get(PRINCIPAL)
        exchange.tenant = (
            principal.tenant.id
            if principal is not None
            else credential_tenant_id(self.journal.identity, request)
        )
        self.journal.record(exchange)


def _buffered_body(response: Response) -> bytes:
    """``response.get_data()`` of a response that is not streamed; a single ``bytes`` chunk
    (nearly every answer) is that chunk, without werkzeug's checks and join."""
    chunks = response.response
    if type(chunks) is list and len(chunks) == 1 and type(chunks[0]) is bytes:
        return chunks[0]
    return response.get_data()
