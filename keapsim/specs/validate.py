"""Check a response body against the response schema Keap's official OpenAPI documents declare.

Works for both documents, unchanged: the v1 JSON (OpenAPI 3.0.1, springfox output) and the v2
``swagger.yml`` (OpenAPI 3.1.0), ``$ref``s included (resolved through ``referencing`` against the
whole document)::

    from keapsim.specs.validate import check_response, response_errors, match_path

    template = match_path("v1", "GET", "/v1/contacts/7")          # "/v1/contacts/{id}"
    errors = response_errors("v1", "GET", template, 200, body)     # every mismatch, nothing hidden
    check_response("v1", "GET", template, 200, body)               # raise unless all explained

The official documents are wrong in places about what Keap actually sends. Those places are
listed once, in :mod:`keapsim.specs.defects` (:data:`KNOWN_SPEC_DEFECTS` here), each with the
fact and its source; the validator itself never bends. :func:`response_errors` reports every
mismatch; :func:`check_response` raises :class:`ResponseMismatch` for each mismatch that no
listed defect explains and returns the defects it relied on, so a test can see them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

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

from . import load
from .defects import KNOWN_SPEC_DEFECTS, SchemaError, Spec, SpecDefect

__all__ = [
    "KNOWN_SPEC_DEFECTS",
    "ResponseMismatch",
    "SchemaError",
    "SpecDefect",
    "check_http_response",
    "check_response",
    "declared_statuses",
    "defects_for",
    "document",
    "explained_by",
    "match_path",
    "response_errors",
]

DOCUMENT_URI = "urn:keapsim:spec:{}"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


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
    return load(spec)


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
