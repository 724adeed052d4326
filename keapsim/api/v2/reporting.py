"""v2 reports (Keap's Saved Searches) and webforms: read-only resources whose records come
from seed data and scenario files. Shapes: ``Report``, ``ReportModel``,
``ReportExecutionResult``, ``Webform`` (``swagger.yml``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Response

from ...clock import iso
from ...context import request
from ...store.reports import CONTACT_COLUMNS, Report
from ...store.webforms import WEBFORM_TYPES, Webform
from ...wire import jsonify
from ..common import BadInput, compact, path_id, query_int, tenant
from ..paging import decode_token, encode_token
from . import blueprint
from .filters import EQ, Clause, order_by, text_matches, timestamp, to_millis
from .listing import filtered_page

REPORT = "Report"
REPORT_PAGE = 1000


# -- reports ---------------------------------------------------------------------------------
def report_v2(report: Report) -> dict[str, Any]:
    return compact(
        {
            "id": str(report.id),
            "name": report.name,
            "created_time": iso(report.created_time) if report.created_time else None,
            "updated_time": iso(report.updated_time) if report.updated_time else None,
            "user_ids": list(report.user_ids),
        }
    )


def _report_test(clause: Clause) -> Callable[[Report], bool]:
    if clause.field == "name":
        return lambda r: text_matches(r.name, clause.value)
    # since_/until_created_time: inclusive bounds at Keap's millisecond precision.
    bound = to_millis(timestamp(clause.value, clause.field))
    if clause.field == "since_created_time":
        return lambda r: r.created_time is not None and to_millis(r.created_time) >= bound
    return lambda r: r.created_time is not None and to_millis(r.created_time) <= bound


@blueprint.get("/reporting/reports")
def list_reports() -> Response:
    filters: dict[str, Iterable[str]] = {
        "name": EQ,
        "since_created_time": EQ,
        "until_created_time": EQ,
    }
    orders: dict[str, Callable[[Report], Any]] = {
        "name": lambda r: r.name.casefold(),
        "created_time": lambda r: r.created_time,
    }
    body = filtered_page(
        "reports",
        tenant().reports.list(),
        report_v2,
        filters=filters,
        test=_report_test,
        orders=orders,
    )
    return jsonify(body)


@blueprint.get("/reporting/reports/<report_id>")
def get_report(report_id: str) -> Response:
    return jsonify(report_v2(tenant().reports.get(path_id(report_id, REPORT))))


@blueprint.get("/reporting/reports/<report_id>/model")
def get_report_model(report_id: str) -> Response:
    model = tenant().reports.model(path_id(report_id, REPORT))
    return jsonify(fields=[{"name": name, "label": label} for name, label in model])


@blueprint.post("/reporting/reports/<report_id>:run")
def run_report(report_id: str) -> Response:
    """``RunReportRequest`` arrives as query parameters (the document declares it an object
    ``in: query``): ``fields`` (comma-separated names from the model), ``order_by``
    (``Field`` or ``Field asc|desc``), ``page_size`` and ``page_token``."""
    ident = path_id(report_id, REPORT)
    fields = _in_order(request.args.getlist("fields"))
    size = query_int("page_size", REPORT_PAGE, minimum=0) or REPORT_PAGE
    size = min(size, REPORT_PAGE)
    offset = decode_token(request.args.get("page_token"))
    order = order_by(tuple(CONTACT_COLUMNS))
    run = tenant().reports.run(ident, fields or None, order, (offset, size))
    results = [
        {"columns": [compact({"field_name": n, "value": v}) for n, v in row]} for row in run.rows
    ]
    following = offset + size
    token = encode_token(following) if following < run.total else None
    return jsonify(compact({"results": results, "page_token": token}))


def _in_order(values: list[str]) -> list[str]:
    """The names of a repeated, comma-separated parameter in the order given, once each."""
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return list(dict.fromkeys(names))


# -- webforms --------------------------------------------------------------------------------
def webform_v2(form: Webform) -> dict[str, Any]:
    return compact(
        {
            "id": str(form.id),
            "xid": form.xid,
            "name": form.name,
            "funnel_id": str(form.funnel_id) if form.funnel_id is not None else None,
            "custom_slug": form.custom_slug,
            "webform_url": form.webform_url,
            "pretty_webform_url": form.pretty_webform_url,
            "thank_you_page_url": form.thank_you_page_url,
            "duplicate_check_option": form.duplicate_check_option,
            "exit_option": form.exit_option,
            "webform_type": form.webform_type,
            "create_time": iso(form.create_time) if form.create_time else None,
            "update_time": iso(form.update_time) if form.update_time else None,
        }
    )


WEBFORM_FILTERS: dict[str, Iterable[str]] = {
    "name": EQ,
    "webform_type": EQ,
    "since_create_time": EQ,
    "until_create_time": EQ,
    "since_update_time": EQ,
    "until_update_time": EQ,
}


def _webform_test(clause: Clause) -> Callable[[Webform], bool]:
    name, value = clause.field, clause.value
    if name == "name":
        return lambda f: text_matches(f.name, value)
    if name == "webform_type":
        # The document's example is lower case (``webform_type==legacy``).
        if value.upper() not in WEBFORM_TYPES:
            raise BadInput(f"Invalid value for webform_type: {value}", field="filter")
        return lambda f: f.webform_type == value.upper()
    bound = to_millis(timestamp(value, name))
    attribute = "create_time" if "create" in name else "update_time"
    if name.startswith("since"):
        return lambda f: to_millis(getattr(f, attribute)) >= bound
    return lambda f: to_millis(getattr(f, attribute)) <= bound


@blueprint.get("/webforms")
def list_webforms() -> Response:
    orders: dict[str, Callable[[Webform], Any]] = {
        "name": lambda f: f.name.casefold(),
        "webform_type": lambda f: f.webform_type,
        "create_time": lambda f: f.create_time,
        "update_time": lambda f: f.update_time,
    }
    body = filtered_page(
        "webforms",
        tenant().webforms.list(),
        webform_v2,
        filters=WEBFORM_FILTERS,
        test=_webform_test,
        orders=orders,
    )
    return jsonify(body)


@blueprint.get("/webforms/<webform_id>:data")
def get_webform_html(webform_id: str) -> Response:
    """ "Raw HTML content of the webform" (``text/html``)."""
    html = tenant().webforms.html(path_id(webform_id, "Webform"))
    return Response(html, status=200, mimetype="text/html")
