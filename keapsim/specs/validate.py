"""Check a response body against the response schema Keap's official OpenAPI documents declare.

Works for both documents, unchanged: the v1 JSON (OpenAPI 3.0.1, springfox output) and the v2
``swagger.yml`` (OpenAPI 3.1.0), ``$ref``s included (resolved through ``referencing`` against the
whole document)::

    from keapsim.specs.validate import check_response, response_errors, match_path

    template = match_path("v1", "GET", "/v1/contacts/7")          # "/v1/contacts/{id}"
    errors = response_errors("v1", "GET", template, 200, body)     # every mismatch, nothing hidden
    check_response("v1", "GET", template, 200, body)               # raise unless all explained

The official documents are wrong in places about what Keap actually sends. Those places are
listed once, in :data:`KNOWN_SPEC_DEFECTS`, each with the fact and its source; the validator
itself never bends. :func:`response_errors` reports every mismatch; :func:`check_response`
raises :class:`ResponseMismatch` for each mismatch that no listed defect explains and returns the
defects it relied on, so a test can see them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from ..extras import missing_extra

try:
    from jsonschema.exceptions import ValidationError
    from openapi_schema_validator import (
        OAS30Validator,
        OAS31Validator,
        oas30_format_checker,
        oas31_format_checker,
    )
    from referencing import Registry
    from referencing.jsonschema import DRAFT4, DRAFT202012
except ModuleNotFoundError as error:
    raise missing_extra(error, "keapsim.specs.validate", "validate") from None

from . import load_v1, load_v2

Spec = Literal["v1", "v2"]
DOCUMENT_URI = "urn:keapsim:spec:{}"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class SchemaError:
    """One way a body differs from the declared schema.

    ``location`` is the path inside the body (keys and list indexes); ``keyword`` the JSON Schema
    keyword that failed (``type``, ``enum``, ``required``, ...; ``status`` when the document
    declares no such response, ``content`` when a body is declared absent or present).
    """

    location: tuple[str | int, ...]
    keyword: str
    message: str

    def __str__(self) -> str:
        where = "/".join(str(p) for p in self.location) or "<body>"
        return f"{where}: [{self.keyword}] {self.message}"


@dataclass(frozen=True)
class SpecDefect:
    """A place where an official document contradicts what Keap sends.

    It explains the errors of one response (``spec``, ``method``, ``path``, ``status``) whose
    location matches ``location`` (``"*"`` stands for any one key or index) and whose keyword is
    ``keyword``.
    """

    spec: Spec
    method: str
    path: str
    status: int
    location: tuple[str, ...]
    keyword: str
    fact: str
    source: str

    def explains(self, spec: Spec, method: str, path: str, status: int, error: SchemaError) -> bool:
        if (self.spec, self.method.upper(), self.path, self.status) != (
            spec,
            method.upper(),
            path,
            status,
        ):
            return False
        if error.keyword != self.keyword or len(error.location) != len(self.location):
            return False
        return all(
            want == "*" or want == str(got)
            for want, got in zip(self.location, error.location, strict=True)
        )


_TAG_MAP_FACT = (
    "The document declares the per-id status map as an array of springfox "
    "Entry«long,string» objects; on the wire it is one JSON object keyed by id string, e.g. "
    '{"1831":"TAG_ID_NOT_FOUND"}, with HTTP 200 even for failures.'
)
_TAG_MAP_SOURCE = (
    "keap-facts.md §3.2 (wire shape from a code comment in a public client, lib/keap-contact.js)"
)
_CONTENT_FACT = (
    "CustomFieldValue.content is declared `type: object` (Java Object rendered by springfox); "
    "Keap sends the field's value as it is: a string, number, boolean or null."
)
_CONTENT_SOURCE = (
    "keap-facts.md §3.1 (CreateOrPatchContact: custom_fields [{id:int64, content:any}])"
)


def _content_defects(method: str, path: str, status: int, *prefix: str) -> SpecDefect:
    return SpecDefect(
        "v1",
        method,
        path,
        status,
        (*prefix, "custom_fields", "*", "content"),
        "type",
        _CONTENT_FACT,
        _CONTENT_SOURCE,
    )


_REMIND_FACT = (
    "Task.remind_time_mins (and UpdateTaskResponse's) is declared `type: integer` with an enum "
    "of strings ('5' … '2880'): no value satisfies both. keapsim sends the integer, the type "
    "the v1 Task's remind_time has too."
)
_REMIND_SOURCE = "swagger.yml, components/schemas/Task and UpdateTaskResponse (self-contradictory)"


def _remind_defect(method: str, path: str, status: int, *prefix: str) -> SpecDefect:
    return SpecDefect(
        "v2",
        method,
        path,
        status,
        (*prefix, "remind_time_mins"),
        "enum",
        _REMIND_FACT,
        _REMIND_SOURCE,
    )


# Every known defect of the official documents, in one place. Tests that validate responses
# consult this list through check_response; nothing else relaxes the validator.
KNOWN_SPEC_DEFECTS: tuple[SpecDefect, ...] = (
    SpecDefect(
        "v1",
        "POST",
        "/v1/contacts/{contactId}/tags",
        200,
        (),
        "type",
        _TAG_MAP_FACT,
        _TAG_MAP_SOURCE,
    ),
    SpecDefect(
        "v1", "POST", "/v1/tags/{tagId}/contacts", 200, (), "type", _TAG_MAP_FACT, _TAG_MAP_SOURCE
    ),
    _content_defects("POST", "/v1/contacts", 201),
    _content_defects("PUT", "/v1/contacts", 200),
    _content_defects("GET", "/v1/contacts/{id}", 200),
    _content_defects("PATCH", "/v1/contacts/{contactId}", 200),
    _content_defects("GET", "/v1/contacts", 200, "contacts", "*"),
    # Company and Opportunity use the same CustomFieldValue schema.
    _content_defects("POST", "/v1/companies", 201),
    _content_defects("GET", "/v1/companies/{companyId}", 200),
    _content_defects("PATCH", "/v1/companies/{companyId}", 200),
    _content_defects("GET", "/v1/companies", 200, "companies", "*"),
    _content_defects("POST", "/v1/opportunities", 200),
    _content_defects("PUT", "/v1/opportunities", 200),
    _content_defects("GET", "/v1/opportunities/{opportunityId}", 200),
    _content_defects("PATCH", "/v1/opportunities/{opportunityId}", 200),
    _content_defects("GET", "/v1/opportunities", 200, "opportunities", "*"),
    _remind_defect("POST", "/rest/v2/tasks", 201),
    _remind_defect("GET", "/rest/v2/tasks/{task_id}", 200),
    _remind_defect("PATCH", "/rest/v2/tasks/{task_id}", 200),
    _remind_defect("GET", "/rest/v2/tasks", 200, "tasks", "*"),
)


class ResponseMismatch(AssertionError):
    """A response body that the document's schema rejects and no known defect explains."""

    def __init__(self, where: str, errors: list[SchemaError]) -> None:
        self.errors = errors
        super().__init__(
            f"{where} does not match the official document:\n" + "\n".join(f"  {e}" for e in errors)
        )


# -- the documents ----------------------------------------------------------------------------
def document(spec: Spec) -> dict[str, Any]:
    """The official document (unchanged) for ``spec``."""
    if spec == "v1":
        return load_v1()
    if spec == "v2":
        return load_v2()
    raise ValueError(f"unknown spec {spec!r}; expected 'v1' or 'v2'")


@cache
def _registry(spec: Spec) -> Registry:
    doc = document(spec)
    # OpenAPI 3.0 schemas are a JSON Schema draft-4 dialect; 3.1 is draft 2020-12.
    dialect = DRAFT202012 if doc["openapi"].startswith("3.1") else DRAFT4
    return Registry().with_resource(DOCUMENT_URI.format(spec), dialect.create_resource(doc))


def _pointer_token(text: str) -> str:
    return text.replace("~", "~0").replace("/", "~1")


def _response_at(
    spec: Spec, method: str, path: str, status: int
) -> tuple[list[str], dict[str, Any]] | None:
    """The response object declared for ``status`` and the JSON pointer tokens to it (a shared
    ``#/components/responses/...`` object in v2 is followed)."""
    doc = document(spec)
    operation = doc["paths"].get(path, {}).get(method.lower())
    if operation is None:
        raise KeyError(f"{spec} document has no operation {method.upper()} {path}")
    responses = operation.get("responses", {})
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            tokens = ["paths", path, method.lower(), "responses", key]
            response = responses[key]
            if "$ref" in response:
                tokens = [
                    t.replace("~1", "/").replace("~0", "~")
                    for t in response["$ref"].removeprefix("#/").split("/")
                ]
                response = doc
                for token in tokens:
                    response = response[token]
            return tokens, response
    return None


@cache
def _validator(
    spec: Spec, method: str, path: str, status: int, media_type: str
) -> OAS30Validator | OAS31Validator:
    found = _response_at(spec, method, path, status)
    assert found is not None
    tokens = [*found[0], "content", media_type, "schema"]
    pointer = "/".join(_pointer_token(t) for t in tokens)
    schema = {"$ref": f"{DOCUMENT_URI.format(spec)}#/{pointer}"}
    if document(spec)["openapi"].startswith("3.1"):
        return OAS31Validator(schema, registry=_registry(spec), format_checker=oas31_format_checker)
    return OAS30Validator(schema, registry=_registry(spec), format_checker=oas30_format_checker)


def _location(error: ValidationError) -> tuple[str | int, ...]:
    return tuple(error.absolute_path)


def _leaves(errors: Iterable[ValidationError]) -> list[ValidationError]:
    """The most specific errors: an ``anyOf``/``oneOf`` failure is reported by its branches."""
    out: list[ValidationError] = []
    for error in errors:
        if error.context:
            out.extend(_leaves(error.context))
        else:
            out.append(error)
    return out


# -- public API -------------------------------------------------------------------------------
def match_path(spec: Spec, method: str, path: str) -> str:
    """The document's path template for a concrete ``path`` (query string ignored).

    Literal segments win over parameters (``/v1/contacts/model`` over ``/v1/contacts/{id}``);
    between templates with as many parameters, the one with more literal text wins
    (``/v2/files/{file_id}:data`` over ``/v2/files/{file_id}``, which ``[^/]+`` also matches).
    """
    doc = document(spec)
    path = path.split("?", 1)[0].rstrip("/") or "/"
    wanted = method.lower()
    best: tuple[tuple[int, int], str] | None = None
    for template, item in doc["paths"].items():
        if wanted not in item:
            continue
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            literal = len(re.sub(r"\{[^/]+?\}", "", template))
            score = (template.count("{"), -literal)
            if best is None or score < best[0]:
                best = (score, template)
    if best is None:
        raise KeyError(f"{spec} document has no {method.upper()} operation matching {path}")
    return best[1]


def declared_statuses(spec: Spec, method: str, path: str) -> list[str]:
    """The status codes the document declares for an operation."""
    operation = document(spec)["paths"][path][method.lower()]
    return list(operation.get("responses", {}))


def response_errors(
    spec: Spec,
    method: str,
    path: str,
    status: int,
    body: Any,
    *,
    media_type: str = "application/json",
) -> list[SchemaError]:
    """Every way ``body`` (parsed JSON, or ``None`` for an empty body) differs from the
    response the document declares for ``method path`` answering ``status``."""
    found = _response_at(spec, method, path, status)
    if found is None:
        return [SchemaError((), "status", f"{status} is not declared for {method.upper()} {path}")]
    content = found[1].get("content") or {}
    if not content:
        if body is None:
            return []
        return [SchemaError((), "content", f"{status} declares no body, got {type(body).__name__}")]
    if media_type not in content:
        return [
            SchemaError((), "content", f"{status} declares {sorted(content)}, not {media_type}")
        ]
    if "schema" not in content[media_type]:
        return []
    validator = _validator(spec, method.lower(), path, status, media_type)
    return [
        SchemaError(_location(e), str(e.validator), e.message)
        for e in _leaves(validator.iter_errors(body))
    ]


def explained_by(
    spec: Spec,
    method: str,
    path: str,
    status: int,
    error: SchemaError,
    defects: Iterable[SpecDefect] = KNOWN_SPEC_DEFECTS,
) -> SpecDefect | None:
    """The known defect that explains ``error``, if any."""
    for defect in defects:
        if defect.explains(spec, method, path, status, error):
            return defect
    return None


def check_response(
    spec: Spec,
    method: str,
    path: str,
    status: int,
    body: Any,
    *,
    media_type: str = "application/json",
    defects: Iterable[SpecDefect] = KNOWN_SPEC_DEFECTS,
) -> list[SpecDefect]:
    """Raise :class:`ResponseMismatch` unless every error is explained by a known defect;
    return the defects that were needed (empty when the body matches the document)."""
    defects = tuple(defects)
    used: list[SpecDefect] = []
    unexplained: list[SchemaError] = []
    for error in response_errors(spec, method, path, status, body, media_type=media_type):
        defect = explained_by(spec, method, path, status, error, defects)
        if defect is None:
            unexplained.append(error)
        elif defect not in used:
            used.append(defect)
    if unexplained:
        raise ResponseMismatch(f"{spec} {method.upper()} {path} → {status}", unexplained)
    return used


def check_http_response(
    spec: Spec,
    response: Any,
    *,
    prefix: str = "/crm/rest",
    defects: Iterable[SpecDefect] = KNOWN_SPEC_DEFECTS,
) -> list[SpecDefect]:
    """:func:`check_response` for an ``httpx.Response`` (or anything with ``.request.method``,
    ``.request.url.path``, ``.status_code``, ``.headers`` and ``.content``).

    ``prefix`` is stripped from the URL path before matching a template (the documents' server
    URL ends in ``/crm/rest`` for v1 and ``/crm`` for the v2 SDK document).
    """
    import json

    method = response.request.method
    url_path = response.request.url.path
    path = match_path(spec, method, url_path.removeprefix(prefix))
    body = json.loads(response.content) if response.content else None
    media_type = response.headers.get("content-type", "application/json").split(";")[0].strip()
    return check_response(
        spec,
        method,
        path,
        response.status_code,
        body,
        media_type=media_type if body is not None else "application/json",
        defects=defects,
    )


def defects_for(
    spec: Spec, method: str, path: str, defects: Iterable[SpecDefect] = KNOWN_SPEC_DEFECTS
) -> list[SpecDefect]:
    """The known defects of one operation (for documentation and tests)."""
    return [
        d for d in defects if (d.spec, d.method.upper(), d.path) == (spec, method.upper(), path)
    ]
