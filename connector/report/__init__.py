"""Delivery log (SQLite) and the delivery report (table, CSV, JSON, self-contained HTML)."""

from connector.report.html import render_html
from connector.report.log import DEFAULT_LOG_PATH, DeliveryLog, LogEntry, default_log_path
from connector.report.report import (
    Report,
    ReportRow,
    Thresholds,
    build_report,
    parse_since,
    report_from_log,
    to_csv,
    to_json,
)

__all__ = [
    "DEFAULT_LOG_PATH",
    "DeliveryLog",
    "LogEntry",
    "Report",
    "ReportRow",
    "Thresholds",
    "build_report",
    "default_log_path",
    "parse_since",
    "render_html",
    "report_from_log",
    "to_csv",
    "to_json",
]
