"""v1 custom-field models (``GET /<record type>/model``, ``POST /<record type>/model/customFields``)
for every record type the v1 document gives them (``api/custom_models.py``), one
implementation: ObjectModel ``{custom_fields, optional_properties}`` and CustomFieldMetaData
with integer ids and v1's field-type spelling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...store import Invalid
from ...store.records import CUSTOM_FIELD_TYPES, CustomField
from ...wire import jsonify
from ..common import UNCONVERTIBLE, BadInput, as_int, as_str, json_body, tenant
from ..custom_models import CREATE, MODEL, MODEL_TYPES, ModelType
from . import blueprint
from . import companies as _companies
from . import opportunities as _opportunities
from .shapes import V1_OPTIONAL_PROPERTIES

# What each record type's reads leave out unless ``optional_properties`` asks (the adapters'
# own lists). No document lists them for the other record types, whose v1 reads keapsim either
# does not serve or sends whole: an empty list there.
OPTIONAL_PROPERTIES: dict[str, tuple[str, ...]] = {
    "contacts": V1_OPTIONAL_PROPERTIES,
    "companies": _companies.OPTIONAL_BY_DEFAULT,
    "opportunities": _opportunities.OPTIONAL_BY_DEFAULT,
}


def custom_field_v1(field: CustomField) -> dict[str, Any]:
    """``CustomFieldMetaData``: every property, ``default_value`` ``null`` when the field has
    none (captured model, keap-facts.md §9.3)."""
    return {
        "id": field.id,
        "label": field.label,
        "options": [{"id": o["id"], "label": o["label"]} for o in field.options],
        "record_type": field.record_type,
        "field_type": field.field_type,
        "field_name": field.field_name,
        "default_value": field.default_value,
    }


def _model_view(kind: ModelType) -> Callable[[], Response]:
    def model() -> Response:
        fields = tenant().custom_fields.of_record_type(kind.record_type)
        return jsonify(
            custom_fields=[custom_field_v1(f) for f in fields],
            optional_properties=list(OPTIONAL_PROPERTIES.get(kind.segment, ())),
        )

    return model


def _create_view(kind: ModelType) -> Callable[[], tuple[Response, int]]:
    def create() -> tuple[Response, int]:
        body = json_body()
        label = as_str(body.get("label"), "label")
        field_type = as_str(body.get("field_type"), "field_type")
        if not label:
            raise Invalid("label is required", field="label")
        if field_type not in CUSTOM_FIELD_TYPES:
            raise Invalid(
                f"field_type must be one of {', '.join(CUSTOM_FIELD_TYPES)}", field="field_type"
            )
        options = body.get("options") or []
        if not isinstance(options, list) or not all(isinstance(o, dict) for o in options):
            raise BadInput(UNCONVERTIBLE, field="options")
        group_id = body.get("group_id")
        group_id = None if group_id is None else as_int(group_id, "group_id")
        field = tenant().custom_fields.create(
            label, field_type, options, group_id, record_type=kind.record_type
        )
        return jsonify(custom_field_v1(field)), 201

    return create


def _register(kind: ModelType) -> None:
    base = f"/{kind.segment}/model"
    if MODEL in kind.v1:
        blueprint.add_url_rule(base, f"{kind.segment}_model", _model_view(kind), methods=["GET"])
    if CREATE in kind.v1:
        blueprint.add_url_rule(
            f"{base}/customFields",
            f"{kind.segment}_create_custom_field",
            _create_view(kind),
            methods=["POST"],
        )


for _kind in MODEL_TYPES:
    _register(_kind)
