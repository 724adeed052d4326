"""Scrubbing secrets and personal data out of exchanges before anything touches the disk.

Two pieces:

* :class:`SecretRegistry` maps secret values (API key, client id/secret, access/refresh
  tokens, auth codes) to *role placeholders* such as ``SCRUBBED-ACCESS-TOKEN``. Tokens minted
  during a recording (``/token`` responses) are learned, so a later ``Authorization`` header
  that uses them maps to the same placeholder (``SCRUBBED-ACCESS-TOKEN-2``). Values never seen
  before become ``SCRUBBED-UNKNOWN-TOKEN-<n>``. The comparison engine resolves role
  placeholders back to the target's own credentials when it replays a cassette.
* :class:`Pseudonymiser` replaces personal data (names, emails, phones, addresses, IPs,
  birthdays) with Faker values that are stable within a cassette, so relations between
  exchanges (the email sent in exchange 1 and listed in exchange 3) still hold.

:class:`Scrubber` applies both to requests and responses; ``before_record_request`` and
``before_record_response`` plug into vcrpy directly.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from faker import Faker

PLACEHOLDER_RE = re.compile(r"SCRUBBED-[A-Z0-9]+(?:-[A-Z0-9]+)*")

#: Form / JSON / query keys whose values are secrets.
SECRET_KEYS = {
    "client_secret": "CLIENT-SECRET",
    "code": "AUTH-CODE",
    "access_token": "ACCESS-TOKEN",
    "refresh_token": "REFRESH-TOKEN",
    "client_id": "CLIENT-ID",
    "api_key": "API-KEY",
    "password": "PASSWORD",
    "id_token": "ID-TOKEN",
}
#: Request headers whose values are secrets.
SECRET_HEADERS = {"authorization", "x-keap-api-key", "proxy-authorization", "x-api-key"}
COOKIE_HEADERS = {"cookie", "set-cookie"}
TENANT_HEADERS = {"x-keap-tenant-id"}

TENANT_HOST_RE = re.compile(
    r"\b(?:[a-z]{1,10}\d{1,10})\.(?:infusionsoft|keap)\.(?:com|app)\b", re.IGNORECASE
)
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

NAME_KEYS = {
    "given_name",
    "family_name",
    "middle_name",
    "preferred_name",
    "spouse_name",
    "first_name",
    "last_name",
    "nickname",
    "assistant_name",
}
PHONE_KEYS = {"number", "number_e164", "phone", "assistant_phone", "phone_number", "fax"}
PHONE_CONTAINERS = {"phone_numbers", "fax_numbers"}
ADDRESS_KEYS = {
    "line1": "street",
    "line2": "line2",
    "locality": "city",
    "city": "city",
    "postal_code": "postal",
    "zip_code": "zip",
    "zip_four": "zip4",
    "street_address1": "street",
    "street_address2": "line2",
}
DATE_KEYS = {"birthday", "birth_date", "anniversary", "anniversary_date"}
IP_KEYS = {"ip_address"}
#: Query parameters carrying personal data.
PII_QUERY_KEYS = {"email": "email", "given_name": "given_name", "family_name": "family_name"}


class SecretRegistry:
    """Known secret values and the placeholders that stand for them."""

    def __init__(self) -> None:
        self._by_value: dict[str, str] = {}
        self._role_counts: dict[str, int] = {}

    def add(self, value: str | None, role: str) -> str | None:
        """Register ``value`` under ``role`` (e.g. ``ACCESS-TOKEN``); returns its placeholder."""
        if not value:
            return None
        value = str(value)
        if value in self._by_value:
            return self._by_value[value]
        if PLACEHOLDER_RE.fullmatch(value):
            return value
        count = self._role_counts.get(role, 0) + 1
        self._role_counts[role] = count
        placeholder = f"SCRUBBED-{role}" if count == 1 else f"SCRUBBED-{role}-{count}"
        self._by_value[value] = placeholder
        return placeholder

    def placeholder(self, value: str, role: str = "UNKNOWN-TOKEN") -> str:
        """The placeholder for ``value``; unknown values are registered under ``role``."""
        if PLACEHOLDER_RE.fullmatch(value):
            return value
        known = self._by_value.get(value)
        if known:
            return known
        return self.add(value, role) or value

    def known(self, value: str) -> bool:
        return value in self._by_value

    def values(self) -> list[str]:
        return list(self._by_value)

    def redact_text(self, text: str) -> str:
        """Replace every occurrence of a known secret (raw or URL-encoded) in ``text``."""
        for value in sorted(self._by_value, key=len, reverse=True):
            if len(value) < 4:
                continue
            placeholder = self._by_value[value]
            for form in {value, quote(value, safe=""), quote_plus(value)}:
                if form in text:
                    text = text.replace(form, placeholder)
        return text


class Pseudonymiser:
    """Stable Faker replacements: the same original always maps to the same fake value."""

    def __init__(self, seed: str = "keapsim-contracts") -> None:
        self._faker = Faker("en_US")
        self._faker.seed_instance(seed)
        self._map: dict[tuple[str, str], str] = {}
        self._originals: dict[str, str] = {}
        self._counter = 0

    @property
    def replacements(self) -> dict[str, str]:
        """original -> pseudonym for every value replaced so far."""
        return dict(self._originals)

    def _remember(self, kind: str, key: str, original: str, fake: str) -> str:
        self._map[(kind, key)] = fake
        self._originals[original] = fake
        return fake

    def replace(self, kind: str, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip() or PLACEHOLDER_RE.fullmatch(value):
            return value
        if value in self._originals.values():
            return value  # already a pseudonym (idempotent scrubbing)
        key = self._key(kind, value)
        found = self._map.get((kind, key))
        if found is not None:
            self._originals.setdefault(value, found)
            return found
        return self._remember(kind, key, value, self._fake(kind, value))

    @staticmethod
    def _key(kind: str, value: str) -> str:
        if kind == "email":
            return value.strip().lower()
        if kind == "phone":
            digits = re.sub(r"\D", "", value)
            return digits[-10:] or value
        return value

    def _fake(self, kind: str, value: str) -> str:
        f = self._faker
        self._counter += 1
        n = self._counter
        if kind == "email":
            return f"{f.user_name()}.{n}@example.com"
        if kind in {"given_name", "first_name"}:
            return f.first_name()
        if kind in {"family_name", "last_name", "spouse_name"}:
            return f.last_name()
        if kind == "phone":
            tail = f"{(n % 100):02d}"
            if value.startswith("+") and " " not in value and "-" not in value:
                return f"+1202555{'01'}{tail}"
            return f"+1 202-555-01{tail}"
        if kind == "street":
            return f.street_address()
        if kind == "line2":
            return f.secondary_address()
        if kind == "city":
            return f.city()
        if kind in {"postal", "zip"}:
            return f.postcode()[:5] if value.isdigit() else f.postcode()
        if kind == "zip4":
            return f"{f.random_int(1000, 9999)}"
        if kind == "ip":
            return f.ipv4_private()
        if kind == "date":
            fake = f.date_of_birth(minimum_age=20, maximum_age=80)
            if "T" in value:
                return f"{fake.isoformat()}T00:00:00.000Z"
            return fake.isoformat()
        if kind == "tenant":
            return f"tenant{n:04d}.keap.invalid"
        return f.first_name()

    def redact_text(self, text: str) -> str:
        """Replace every remembered original (raw or URL-encoded) occurring in free text."""
        for original in sorted(self._originals, key=len, reverse=True):
            if len(original) < 4:
                continue
            fake = self._originals[original]
            for form in {original, quote(original, safe=""), quote_plus(original)}:
                if form and form in text:
                    text = re.sub(rf"(?<![\w@.]){re.escape(form)}(?![\w@])", fake, text)
        return text


@dataclass
class ScrubConfig:
    """Values the scrubber must know up front (the recording target's credentials)."""

    api_key: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    expired_access_token: str | None = None
    redirect_uri: str | None = None
    tenant_hosts: list[str] = field(default_factory=list)
    extra_secrets: dict[str, str] = field(default_factory=dict)


class Scrubber:
    """Scrubs requests and responses; one instance per cassette (pseudonyms are per cassette)."""

    def __init__(self, config: ScrubConfig | None = None, *, seed: str = "keapsim") -> None:
        self.config = config or ScrubConfig()
        self.secrets = SecretRegistry()
        self.people = Pseudonymiser(seed)
        c = self.config
        self.secrets.add(c.api_key, "API-KEY")
        self.secrets.add(c.client_id, "CLIENT-ID")
        self.secrets.add(c.client_secret, "CLIENT-SECRET")
        self.secrets.add(c.access_token, "ACCESS-TOKEN")
        self.secrets.add(c.refresh_token, "REFRESH-TOKEN")
        self.secrets.add(c.expired_access_token, "EXPIRED-ACCESS-TOKEN")
        self.secrets.add(c.redirect_uri, "REDIRECT-URI")
        for role, value in c.extra_secrets.items():
            self.secrets.add(value, role)
        self.paused = False
        self._tenant_hosts = [h for h in c.tenant_hosts if h]
        for host in self._tenant_hosts:
            self.people.replace("tenant", host)

    # ------------------------------------------------------------------ text helpers
    def _tenant(self, text: str) -> str:
        for host in sorted(self._tenant_hosts, key=len, reverse=True):
            if host and host in text:
                fake = self.people.replace("tenant", host)
                text = re.sub(rf"(?<![\w-]){re.escape(host)}(?![\w-])", fake, text)
        return TENANT_HOST_RE.sub(lambda m: self.people.replace("tenant", m.group(0)), text)

    def _text(self, text: str) -> str:
        text = self.secrets.redact_text(text)
        text = EMAIL_RE.sub(lambda m: self.people.replace("email", m.group(0)), text)
        text = self._tenant(text)
        return self.people.redact_text(text)

    # ------------------------------------------------------------------ structures
    def scrub_json(self, data: Any, *, parent: str = "", token_response: bool = False) -> Any:
        """Scrub a decoded JSON document (returns a new object)."""
        if isinstance(data, dict):
            out: dict[str, Any] = {}
            for key, value in data.items():
                lk = str(key).lower()
                if lk == "code" and not token_response:
                    # v2 error envelopes carry "code" (400 or "429"); only OAuth codes are secret
                    out[key] = self.scrub_json(value, parent=lk)
                elif lk in SECRET_KEYS and isinstance(value, str | int) and value != "":
                    out[key] = self.secrets.placeholder(str(value), SECRET_KEYS[lk])
                elif isinstance(value, str):
                    out[key] = self._scrub_scalar(lk, parent, value)
                else:
                    out[key] = self.scrub_json(value, parent=lk, token_response=token_response)
            return out
        if isinstance(data, list):
            return [self.scrub_json(v, parent=parent, token_response=token_response) for v in data]
        if isinstance(data, str):
            return self._text(data)
        return data

    def _scrub_scalar(self, key: str, parent: str, value: str) -> str:
        if key in NAME_KEYS:
            return self.people.replace(key, value)
        if key in PHONE_KEYS and (parent in PHONE_CONTAINERS or key != "number"):
            return self.people.replace("phone", value)
        if key in ADDRESS_KEYS:
            return self.people.replace(ADDRESS_KEYS[key], value)
        if key in DATE_KEYS:
            return self.people.replace("date", value)
        if key in IP_KEYS:
            return self.people.replace("ip", value)
        if "email" in key and "@" in value:
            return self.people.replace("email", value)
        if key == "scope" or key in TENANT_HEADERS or key == "tenant_id":
            return self._tenant(value)
        return self._text(value)

    def scrub_form(self, body: str) -> str:
        pairs = parse_qsl(body, keep_blank_values=True)
        out = []
        for key, value in pairs:
            lk = key.lower()
            if lk in SECRET_KEYS and value:
                out.append((key, self.secrets.placeholder(value, SECRET_KEYS[lk])))
            elif lk in PII_QUERY_KEYS:
                out.append((key, self.people.replace(PII_QUERY_KEYS[lk], value)))
            else:
                out.append((key, self._text(value)))
        return urlencode(out)

    def scrub_uri(self, uri: str) -> str:
        parts = urlsplit(uri)
        netloc = self._tenant(parts.netloc)
        query = parts.query
        if query:
            query = self.scrub_form(query).replace("%2C", ",")
        path = self._text(parts.path)
        return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))

    def scrub_authorization(self, value: str) -> str:
        scheme, _, credential = value.partition(" ")
        if not credential:
            return self.secrets.placeholder(value, "UNKNOWN-TOKEN")
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(credential).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                return f"Basic {self.secrets.placeholder(credential, 'UNKNOWN-CREDENTIALS')}"
            if (
                self.config.client_id
                and user == self.config.client_id
                and password == self.config.client_secret
            ):
                return "Basic SCRUBBED-CLIENT-CREDENTIALS"
            u = self.secrets.placeholder(user, "UNKNOWN-CLIENT-ID")
            p = self.secrets.placeholder(password, "UNKNOWN-CLIENT-SECRET")
            return f"Basic {u}:{p}"
        return f"{scheme} {self.secrets.placeholder(credential, 'UNKNOWN-TOKEN')}"

    def scrub_headers(self, headers: dict[str, list[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key, values in headers.items():
            lk = key.lower()
            if lk == "authorization":
                out[key] = [self.scrub_authorization(v) for v in values]
            elif lk in SECRET_HEADERS:
                out[key] = [self.secrets.placeholder(v, "UNKNOWN-API-KEY") for v in values]
            elif lk in COOKIE_HEADERS:
                out[key] = ["SCRUBBED-COOKIE" for _ in values]
            elif lk in TENANT_HEADERS:
                out[key] = [self._tenant(v) if v else v for v in values]
            else:
                out[key] = [self._text(v) for v in values]
        return out

    def scrub_body(self, body: str, content_type: str, *, token_response: bool = False) -> str:
        if not body:
            return body
        if "json" in content_type or body.lstrip()[:1] in {"{", "["}:
            try:
                data = json.loads(body)
            except ValueError:
                return self._text(body)
            return json.dumps(
                self.scrub_json(data, token_response=token_response),
                separators=(",", ":"),
                ensure_ascii=False,
            )
        if "x-www-form-urlencoded" in content_type:
            return self.scrub_form(body)
        return self._text(body)

    # ------------------------------------------------------------------ whole messages
    def scrub_request(
        self, method: str, uri: str, headers: dict[str, list[str]], body: str
    ) -> tuple[str, dict[str, list[str]], str]:
        del method
        ctype = _first(headers, "content-type") or ""
        new_body = self.scrub_body(body, ctype)
        # a second pass catches secrets learned while scrubbing the body
        return self.scrub_uri(uri), self.scrub_headers(headers), self.secrets.redact_text(new_body)

    def scrub_response(
        self, uri: str, headers: dict[str, list[str]], body: str
    ) -> tuple[dict[str, list[str]], str]:
        ctype = _first(headers, "content-type") or ""
        token_response = urlsplit(uri).path.rstrip("/").endswith("/token")
        if token_response:
            self._learn_tokens(body)
        new_body = self.scrub_body(body, ctype, token_response=token_response)
        new_headers = self.scrub_headers(headers)
        _fix_content_length(new_headers, new_body)
        return new_headers, new_body

    def _learn_tokens(self, body: str) -> None:
        try:
            data = json.loads(body)
        except ValueError:
            return
        if isinstance(data, dict):
            self.secrets.add(data.get("access_token"), "ACCESS-TOKEN")
            self.secrets.add(data.get("refresh_token"), "REFRESH-TOKEN")

    # ------------------------------------------------------------------ vcrpy hooks
    def before_record_request(self, request: Any) -> Any:
        """vcrpy ``before_record_request`` hook."""
        if self.paused:
            return None  # set-up traffic: not recorded
        request = copy.deepcopy(request)
        headers = {k: [v] for k, v in request.headers.items()}
        body = _decode(request.body)
        uri, new_headers, new_body = self.scrub_request(request.method, request.uri, headers, body)
        request.uri = uri
        request.headers = {k: v[0] for k, v in new_headers.items()}
        request.body = new_body.encode("utf-8") if new_body else request.body and b""
        self._last_uri = uri
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy ``before_record_response`` hook (scrubs a deep copy)."""
        response = copy.deepcopy(response)
        headers = {
            k: list(v) if isinstance(v, list) else [v] for k, v in response["headers"].items()
        }
        raw = response["body"]["string"]
        raw = _decompress(raw, headers)
        body = _decode(raw)
        new_headers, new_body = self.scrub_response(getattr(self, "_last_uri", ""), headers, body)
        response["headers"] = new_headers
        response["body"]["string"] = new_body.encode("utf-8")
        return response


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name and values:
            return values[0]
    return None


def _decode(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes | bytearray):
        return bytes(body).decode("utf-8", errors="replace")
    return str(body)


def _decompress(raw: Any, headers: dict[str, list[str]]) -> Any:
    if not isinstance(raw, bytes | bytearray):
        return raw
    for key in list(headers):
        if key.lower() != "content-encoding":
            continue
        encoding = (headers[key][0] or "").lower()
        try:
            if encoding == "gzip":
                raw = gzip.decompress(raw)
            elif encoding == "deflate":
                raw = zlib.decompress(raw)
            else:
                continue
        except (OSError, zlib.error):
            continue
        del headers[key]
    return raw


def _fix_content_length(headers: dict[str, list[str]], body: str) -> None:
    for key in headers:
        if key.lower() == "content-length":
            headers[key] = [str(len(body.encode("utf-8")))]


def contains_any(haystack: bytes | str, needles: Iterable[str]) -> list[str]:
    """Which of ``needles`` (raw, URL-encoded or base64 inside Basic auth) occur in ``haystack``."""
    text = haystack.decode("utf-8", "replace") if isinstance(haystack, bytes) else haystack
    found = []
    for needle in needles:
        if not needle:
            continue
        forms = {needle, quote(needle, safe=""), quote_plus(needle), json.dumps(needle)[1:-1]}
        if any(form in text for form in forms):
            found.append(needle)
    return found
