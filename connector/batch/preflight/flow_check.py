"""``test-connection``: the credential, then every reference of the flow, and their table.

``check_flow`` lists the account's custom fields, tags, campaigns (with their sequences) and
lead sources, and reports every id or name in the flow that does not exist in Keap. Templated
references (``{{ lead.tag }}``) depend on the lead and are listed as not checkable.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from connector.batch.preflight.findings import Findings
from connector.batch.preflight.inventory import inventory
from connector.batch.preflight.references import check_references


def _value(obj: Any) -> Any:
    return getattr(obj, "value", obj)


def check_flow(connector: Any) -> Findings:
    """Run ``Connector.test_connection`` then list the account and check the flow's references."""
    findings = Findings()
    info = connector.test_connection()
    if not info.get("ok"):
        findings.credential = f"failed: {info.get('reason') or 'unknown error'}"
        return findings
    findings.credential = "ok"
    findings.api_version = info.get("api_version")
    findings.auth = info.get("auth")
    findings.custom_fields = list(info.get("custom_fields") or [])
    config = connector.config
    v2 = str(_value(config.keap.api_version)) == "v2"
    inventory(connector.client, findings, v2)
    check_references(config, findings)
    findings.ok = not findings.problems
    return findings


def print_preflight(console: Console, findings: Findings) -> None:
    if findings.credential != "ok":
        console.print(f"[bold red]Credential: {findings.credential}[/]")
        return
    console.print(f"[green]Credential: ok[/] (API {findings.api_version}, auth {findings.auth})")

    def listing(title: str, rows: list[dict[str, Any]], cols: list[str]) -> None:
        table = Table(title=f"{title} ({len(rows)})", title_justify="left")
        for c in cols:
            table.add_column(c)
        for r in rows:
            table.add_row(*[_cell(r.get(c)) for c in cols])
        console.print(table)

    listing("Custom fields", findings.custom_fields, ["id", "label", "field_type"])
    listing("Tags", findings.tags, ["id", "name"])
    listing(
        "Campaigns",
        [
            {**c, "sequences": ", ".join(f"{s['id']} {s['name'] or ''}" for s in c["sequences"])}
            for c in findings.campaigns
        ],
        ["id", "name", "sequences"],
    )
    listing("Lead sources", findings.lead_sources, ["id", "name"])
    for note in findings.notes:
        console.print(f"[dim]note: {note}[/]")
    if findings.problems:
        console.print("[bold red]The flow refers to things that do not exist in Keap:[/]")
        for p in findings.problems:
            console.print(f"  [red]- {p}[/]")
    else:
        console.print("[green]Everything the flow refers to exists in Keap.[/]")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
