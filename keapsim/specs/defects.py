"""Every known defect of Keap's official OpenAPI documents, in one place.

The documents in this folder are copied unchanged. Where one contradicts what Keap really sends,
the contradiction is written down here once, as a :class:`DocumentDefect`: what the document
says, what Keap does, the source, and what each consumer of the documents does about it:

* response validation (:mod:`keapsim.specs.validate`, used by the API tests): the schema errors
  the defect explains (``responses``), so a body in Keap's real shape passes and nothing else
  does. :data:`KNOWN_SPEC_DEFECTS` lists them one response at a time.
* the schemathesis run (:mod:`contracts.openapi_docs`): how the restricted document is patched
  (``patch``, on ``operations``) or which check is left out (``skip_error_body_validation``),
  described by ``action``. :func:`schemathesis_fixes` lists the defects that have one.

Nothing else relaxes a check against the documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal

Spec = Literal["v1", "v2"]
Operation = dict[str, Any]
ANY_STATUS = 0  # a ResponseErrors status that stands for every status
ANY_LOCATION = "**"  # a ResponseErrors location (alone) that stands for every location


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
    """A defect as response validation sees it: the errors of one response.

    It explains the errors of one response (``spec``, ``method``, ``path``, ``status``) whose
    location matches ``location`` (``"*"`` stands for any one key or index) and whose keyword is
    ``keyword``. ``fact`` and ``source`` are those of its :class:`DocumentDefect`.
    """

    spec: Spec
    method: str
    path: str
    status: int
    location: tuple[str, ...]
    keyword: str
    fact: str
    source: str
    message: str = ""

    def explains(self, spec: Spec, method: str, path: str, status: int, error: SchemaError) -> bool:
        if spec != self.spec or not fnmatchcase(method.upper(), self.method.upper()):
            return False
        if not fnmatchcase(path, self.path) or self.status not in (ANY_STATUS, status):
            return False
        if error.keyword != self.keyword or not _location_matches(self.location, error.location):
            return False
        return not self.message or re.search(self.message, error.message) is not None


def _location_matches(wanted: tuple[str, ...], got: tuple[str | int, ...]) -> bool:
    """``"*"`` stands for any one key or index, a lone ``"**"`` for any location at all."""
    if wanted == (ANY_LOCATION,):
        return True
    if len(wanted) != len(got):
        return False
    return all(want == "*" or want == str(g) for want, g in zip(wanted, got, strict=True))


@dataclass(frozen=True)
class ResponseErrors:
    """The schema errors a defect causes in one declared response (see :class:`SpecDefect`).

    ``method`` and ``path`` may be shell-style patterns (``"*"``, ``"/v1/*/model*"``) and
    ``status`` :data:`ANY_STATUS`, for a defect of every response; ``message``, a regular
    expression the error's message must contain, then keeps it to the errors it explains
    (a date in Keap's form, a ``null``).
    """

    method: str
    path: str
    status: int
    location: tuple[str, ...]
    keyword: str
    message: str = ""


@dataclass(frozen=True)
class DocumentDefect:
    """One place where an official document contradicts what Keap does."""

    id: str
    spec: Spec
    problem: str  # what the document says
    fact: str  # what Keap really does
    source: str
    # Response validation: the errors this defect explains.
    responses: tuple[ResponseErrors, ...] = ()
    # The schemathesis run: what it does about the defect, and how.
    action: str = ""
    operations: tuple[str, ...] = ()  # operationIds; empty = every operation of the document
    patch: Callable[[Operation], None] | None = field(default=None, compare=False)
    skip_error_body_validation: bool = False

    def spec_defects(self) -> tuple[SpecDefect, ...]:
        return tuple(
            SpecDefect(
                self.spec,
                r.method,
                r.path,
                r.status,
                r.location,
                r.keyword,
                self.fact,
                self.source,
                r.message,
            )
            for r in self.responses
        )


# -- document patches for the schemathesis run --------------------------------------------------
V1_MESSAGE = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}},
}
STATUS_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


def _json_response(op: Operation, status: str, schema: dict[str, Any], text: str) -> None:
    op.setdefault("responses", {})[status] = {
        "description": text,
        "content": {"application/json": {"schema": schema}},
    }


def _add_v1_400(op: Operation) -> None:
    if "400" not in op.get("responses", {}):
        _json_response(op, "400", V1_MESSAGE, "Bad Request (added: Keap sends {message})")


def _add_v1_404(op: Operation) -> None:
    if "404" not in op.get("responses", {}):
        _json_response(op, "404", V1_MESSAGE, "Not Found (added: an id in the request is unknown)")


def _status_map_200(op: Operation) -> None:
    _json_response(op, "200", STATUS_MAP, "OK: map of id -> status string")


def _rename_note_param(op: Operation) -> None:
    for p in op.get("parameters", []):
        if p.get("in") == "path" and p.get("name") == "note":
            p["name"] = "noteId"


def _custom_field_content(method: str, path: str, status: int, *prefix: str) -> ResponseErrors:
    return ResponseErrors(method, path, status, (*prefix, "custom_fields", "*", "content"), "type")


# -- nulls Keap sends where the documents declare no null (keap-facts.md §9) --------------------
NULL = r"^None "  # the message of a type error about a null value
V1_DATE = r"'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000' is not a 'date-time'"
# The contact operations of v1 and where their body holds the contact (properties at "*").
V1_CONTACT_RESPONSES = (
    ("POST", "/v1/contacts", 201, ()),
    ("PUT", "/v1/contacts", 200, ()),
    ("GET", "/v1/contacts/{id}", 200, ()),
    ("PATCH", "/v1/contacts/{contactId}", 200, ()),
    ("GET", "/v1/contacts", 200, ("contacts", "*")),
)
# The opportunity operations of v1 and where their body holds the opportunity.
V1_OPPORTUNITY_RESPONSES = (
    ("POST", "/v1/opportunities", ()),
    ("PUT", "/v1/opportunities", ()),
    ("GET", "/v1/opportunities/{opportunityId}", ()),
    ("PATCH", "/v1/opportunities/{opportunityId}", ()),
    ("GET", "/v1/opportunities", ("opportunities", "*")),
)
V1_OPPORTUNITY_OPERATIONS = (
    "createOpportunityUsingPOST",
    "updateOpportunityUsingPUT",
    "getOpportunityUsingGET",
    "updatePropertiesOnOpportunityUsingPATCH",
    "listOpportunitiesUsingGET",
)
# The CustomFieldMetaData properties Keap sends as null, and where v2 bodies hold the metadata.
V2_FIELD_NULLS = ("default_value", "group_id", "options", "record_type", "field_name")
V2_FIELD_PREFIXES: tuple[tuple[str, ...], ...] = ((), ("custom_fields", "*"), ("custom_field",))
V1_CONTACT_OPERATIONS = (
    "createContactUsingPOST",
    "createOrUpdateContactUsingPUT",
    "getContactUsingGET",
    "updatePropertiesOnContactUsingPATCH",
    "listContactsUsingGET",
)


def _nulls(
    method: str, path: str, names: tuple[str, ...], *prefixes: tuple[str, ...]
) -> tuple[ResponseErrors, ...]:
    """Type errors about a null in property ``names`` (``"*"``: any) under each prefix."""
    return tuple(
        ResponseErrors(method, path, ANY_STATUS, (*prefix, name), "type", NULL)
        for prefix in prefixes
        for name in names
    )


def _resolved(doc: dict[str, Any], node: Any, seen: tuple[str, ...] = ()) -> Any:
    """``node`` with its schema references inlined (a recursive one is left as it is); each
    inlined schema remembers its name in ``x-keapsim-schema``."""
    if isinstance(node, list):
        return [_resolved(doc, item, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name in seen:
            return node
        target = _resolved(doc, doc["components"]["schemas"][name], (*seen, name))
        return {**target, "x-keapsim-schema": name}
    return {key: _resolved(doc, value, seen) for key, value in node.items()}


def _allow_null(spec: Spec, node: Any, targets: dict[str, tuple[str, ...]]) -> None:
    """Let the properties ``targets`` names (per schema name; ``"*"``: all) be null."""
    if isinstance(node, list):
        for item in node:
            _allow_null(spec, item, targets)
        return
    if not isinstance(node, dict):
        return
    # An inlined schema keeps its name in x-keapsim-schema; springfox inlines some with a title.
    names = targets.get(str(node.get("x-keapsim-schema") or node.get("title")), ())
    for name, prop in (node.get("properties") or {}).items():
        if isinstance(prop, dict) and ("*" in names or name in names):
            if spec == "v1":
                prop["nullable"] = True  # OpenAPI 3.0
            elif isinstance(prop.get("type"), str):
                prop["type"] = [prop["type"], "null"]  # OpenAPI 3.1
    for value in node.values():
        _allow_null(spec, value, targets)


#: v1's time form, as a JSON Schema pattern (keap-facts.md §9.1).
V1_TIME_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$"


def _v1_time_pattern(node: Any) -> None:
    """Every ``format: date-time`` string becomes one in v1's form (a pattern, checked)."""
    if isinstance(node, list):
        for item in node:
            _v1_time_pattern(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("format") == "date-time":
        del node["format"]
        node["pattern"] = V1_TIME_PATTERN
    for value in node.values():
        _v1_time_pattern(value)


def _success_schemas(op: Operation, spec: Spec) -> list[dict[str, Any]]:
    """The operation's 2xx JSON schemas, inlined in place (so a patch may change them)."""
    from . import load  # the documents load on first use

    doc = load(spec)
    schemas = []
    for status, response in op.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue
        for media in (response.get("content") or {}).values():
            if "schema" in media:
                media["schema"] = _resolved(doc, media["schema"])
                schemas.append(media["schema"])
    return schemas


def _v1_times(op: Operation) -> None:
    for schema in _success_schemas(op, "v1"):
        _v1_time_pattern(schema)


def _nullable_patch(spec: Spec, targets: dict[str, tuple[str, ...]]) -> Callable[[Operation], None]:
    """A patch that inlines an operation's 2xx response schemas and lets ``targets`` be null."""

    def patch(op: Operation) -> None:
        for schema in _success_schemas(op, spec):
            _allow_null(spec, schema, targets)

    return patch


# -- the registry ------------------------------------------------------------------------------
DOCUMENT_DEFECTS: tuple[DocumentDefect, ...] = (
    DocumentDefect(
        id="v1-error-schema-is-throwable",
        spec="v1",
        problem="every 4xx/5xx response declares a Java Throwable dump (springfox artefact)",
        fact='v1 errors are {"message": "..."}; gateway errors are {"fault": {...}}',
        source="keap-facts.md §0.2, §5.2; infusionsoft-php issues #190, #191",
        action="response bodies are validated against the document for 2xx responses only",
        skip_error_body_validation=True,
    ),
    DocumentDefect(
        id="v2-error-schema",
        spec="v2",
        problem="error bodies are documented, but Keap's real 429 has code as a string and "
        "gateway 401s use the Apigee fault envelope; neither matches Error",
        fact='{"code":"429",...} (string) and {"fault":{...}}',
        source="keap-facts.md §5.1",
        action="response bodies are validated for 2xx responses only (error envelopes are "
        "covered by the contract scenarios and evidence cassettes instead)",
        skip_error_body_validation=True,
    ),
    DocumentDefect(
        id="v1-declares-no-400",
        spec="v1",
        problem="no v1 operation declares 400",
        fact='Keap answers 400 {"message": ...} to invalid input (malformed JSON, a contact '
        "without email or phone, a bad region)",
        source="keap-facts.md §3, §5.2; infusionsoft-php #190, #191, #140",
        action='a 400 response with schema {"message": string} is added to every v1 operation',
        patch=_add_v1_400,
    ),
    DocumentDefect(
        id="v1-post-declares-no-404",
        spec="v1",
        problem="v1 POST operations declare no 404, even those naming a contact, campaign or "
        "sequence id in the path or body",
        fact='not documented either way; v1 404 bodies are likely {"message": ...} '
        "(open point in keap-facts §8). keapsim answers 404 {message} for an unknown id",
        source="keap-facts.md §3 (declared codes), §5.2, §8",
        action='a 404 response with schema {"message": string} is added where missing '
        "(unverified against the real API)",
        patch=_add_v1_404,
    ),
    DocumentDefect(
        id="v1-status-map-is-an-object",
        spec="v1",
        problem="the 200 body is documented as an array of springfox Entry«long,string» objects",
        fact="on the wire the per-id status map is one JSON object keyed by id string, e.g. "
        '{"1831":"TAG_ID_NOT_FOUND"}, with HTTP 200 even for failures',
        source="keap-facts.md §3.2 (wire shape from a code comment in a public client, "
        "lib/keap-contact.js)",
        responses=(
            ResponseErrors("POST", "/v1/contacts/{contactId}/tags", 200, (), "type"),
            ResponseErrors("POST", "/v1/tags/{tagId}/contacts", 200, (), "type"),
        ),
        action="the 200 schema is replaced by an object of strings",
        operations=(
            "applyTagsToContactIdUsingPOST",
            "applyTagToContactIdsUsingPOST",
            "addContactsToCampaignSequenceUsingPOST",
        ),
        patch=_status_map_200,
    ),
    DocumentDefect(
        id="v1-note-path-parameter",
        spec="v1",
        problem="PUT /v1/notes/{noteId} declares its path parameter as `note`",
        fact="the path segment is the note id",
        source="keap-facts.md §1.2",
        action="the parameter is renamed noteId",
        operations=("updateNoteUsingPUT",),
        patch=_rename_note_param,
    ),
    DocumentDefect(
        id="v1-custom-field-content-is-any",
        spec="v1",
        problem="CustomFieldValue.content is declared `type: object` (a Java Object rendered "
        "by springfox)",
        fact="Keap sends the field's value as it is: a string, number, boolean or null",
        source="keap-facts.md §3.1 (CreateOrPatchContact: custom_fields [{id:int64, content:any}])",
        responses=(
            _custom_field_content("POST", "/v1/contacts", 201),
            _custom_field_content("PUT", "/v1/contacts", 200),
            _custom_field_content("GET", "/v1/contacts/{id}", 200),
            _custom_field_content("PATCH", "/v1/contacts/{contactId}", 200),
            _custom_field_content("GET", "/v1/contacts", 200, "contacts", "*"),
            # Company and Opportunity use the same CustomFieldValue schema.
            _custom_field_content("POST", "/v1/companies", 201),
            _custom_field_content("GET", "/v1/companies/{companyId}", 200),
            _custom_field_content("PATCH", "/v1/companies/{companyId}", 200),
            _custom_field_content("GET", "/v1/companies", 200, "companies", "*"),
            _custom_field_content("POST", "/v1/opportunities", 200),
            _custom_field_content("PUT", "/v1/opportunities", 200),
            _custom_field_content("GET", "/v1/opportunities/{opportunityId}", 200),
            _custom_field_content("PATCH", "/v1/opportunities/{opportunityId}", 200),
            _custom_field_content("GET", "/v1/opportunities", 200, "opportunities", "*"),
        ),
    ),
    DocumentDefect(
        id="v2-task-remind-time-contradicts-itself",
        spec="v2",
        problem="Task.remind_time_mins (and UpdateTaskResponse's) is declared `type: integer` "
        "with an enum of strings ('5' … '2880'): no value satisfies both",
        fact="keapsim sends the integer, the type the v1 Task's remind_time has too",
        source="swagger.yml, components/schemas/Task and UpdateTaskResponse (self-contradictory)",
        responses=(
            ResponseErrors("POST", "/rest/v2/tasks", 201, ("remind_time_mins",), "enum"),
            ResponseErrors("GET", "/rest/v2/tasks/{task_id}", 200, ("remind_time_mins",), "enum"),
            ResponseErrors("PATCH", "/rest/v2/tasks/{task_id}", 200, ("remind_time_mins",), "enum"),
            ResponseErrors(
                "GET", "/rest/v2/tasks", 200, ("tasks", "*", "remind_time_mins"), "enum"
            ),
        ),
    ),
    DocumentDefect(
        id="v1-date-time-offset-without-colon",
        spec="v1",
        problem="v1 times are declared `format: date-time` (RFC 3339: an offset is `Z` or "
        "`+00:00`)",
        fact='v1 writes times as "2024-11-12T21:45:54.000+0000" (offset without a colon); '
        "keapsim writes every v1 time so",
        source="keap-facts.md §9.1 (amp-labs/connectors providers/keap/test/*.json @ 30bbef6d; "
        "keap-python 1.3.0 README)",
        responses=(ResponseErrors("*", "*", ANY_STATUS, (ANY_LOCATION,), "format", V1_DATE),),
        action="every date-time of a 2xx response must match v1's form instead (a pattern)",
        patch=_v1_times,
    ),
    DocumentDefect(
        id="v1-contact-properties-are-null",
        spec="v1",
        problem="FullContact and RestPartialContact declare no property nullable",
        fact="the default properties are always sent, null when unset (company, middle_name, "
        "owner_id, ScoreValue), and so is every optional property optional_properties asks for "
        "(lead_source_id: null)",
        source="keap-facts.md §9.1 (amp-labs/connectors write-contacts.json, "
        "read/contacts/1-first-page-v2.json @ 30bbef6d; keap-python 1.3.0 README)",
        responses=tuple(
            ResponseErrors(method, path, status, (*prefix, "*"), "type", NULL)
            for method, path, status, prefix in V1_CONTACT_RESPONSES
        ),
        action="the contact responses accept null for every contact property",
        operations=V1_CONTACT_OPERATIONS,
        patch=_nullable_patch("v1", {"FullContact": ("*",), "RestPartialContact": ("*",)}),
    ),
    DocumentDefect(
        id="v1-opportunity-properties-are-null",
        spec="v1",
        problem="Opportunity and OpportunityContact declare no property nullable",
        fact="an unset next_action_date, estimated_close_date and contact job_title are sent "
        'as null (the other unset properties as 0, 0.0 or "")',
        source="keap-facts.md §9.7 (amp-labs/connectors read/opportunities/v1.json @ 30bbef6d)",
        responses=tuple(
            ResponseErrors(method, path, 200, location, "type", NULL)
            for method, path, prefix in V1_OPPORTUNITY_RESPONSES
            for location in ((*prefix, "*"), (*prefix, "contact", "*"))
        ),
        action="the opportunity responses accept null for every opportunity and contact property",
        operations=V1_OPPORTUNITY_OPERATIONS,
        patch=_nullable_patch("v1", {"Opportunity": ("*",), "OpportunityContact": ("*",)}),
    ),
    DocumentDefect(
        id="v1-null-descriptions-and-defaults",
        spec="v1",
        problem="CustomFieldMetaData.default_value and TagCategory.description are strings",
        fact="both are null when unset: a custom field without a default (the captured "
        "opportunities model), a tag category without a description (printed tags)",
        source="keap-facts.md §9.2, §9.3 (amp-labs/connectors custom-fields/"
        "opportunities-v1.json @ 30bbef6d; keap-python 1.3.0 README)",
        responses=(
            *_nulls("*", "/v1/*/model*", ("default_value",), (), ("custom_fields", "*")),
            *_nulls("*", "/v1/tags*", ("description",), ("category",), ("tags", "*", "category")),
            *_nulls("POST", "/v1/tags/categories", ("description",), ()),
        ),
        action="the responses accept null for those properties",
        patch=_nullable_patch(
            "v1", {"CustomFieldMetaData": ("default_value",), "TagCategory": ("description",)}
        ),
    ),
    DocumentDefect(
        id="v2-custom-field-nulls",
        spec="v2",
        problem="CustomFieldMetaData's properties are declared non-null (record_type an enum)",
        fact="a field without a default value or group sends default_value and group_id as "
        "null; the captured v2 contact model has options, record_type and field_name null "
        "too (keapsim sends values there)",
        source="keap-facts.md §9.3 (amp-labs/connectors custom-fields/contacts-v2.json @ 30bbef6d)",
        responses=(
            *_nulls("*", "/rest/v2/*/model*", V2_FIELD_NULLS, (), *V2_FIELD_PREFIXES),
            *(
                ResponseErrors(
                    "*", "/rest/v2/*/model*", ANY_STATUS, (*p, "record_type"), "enum", NULL
                )
                for p in V2_FIELD_PREFIXES
            ),
        ),
        action="the responses accept null for those properties",
        patch=_nullable_patch("v2", {"CustomFieldMetaData": V2_FIELD_NULLS}),
    ),
)

#: The defects as response validation consults them, one response at a time.
KNOWN_SPEC_DEFECTS: tuple[SpecDefect, ...] = tuple(
    spec_defect for defect in DOCUMENT_DEFECTS for spec_defect in defect.spec_defects()
)


def schemathesis_fixes() -> tuple[DocumentDefect, ...]:
    """The defects the schemathesis run acts on (a patch, or a check left out)."""
    return tuple(d for d in DOCUMENT_DEFECTS if d.action)
