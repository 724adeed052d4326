"""What ``send-test-lead`` prints: the outcome, each step, and what Keap now holds."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from connector.batch.preflight.sent_lead import TestLeadOutcome

_SHOWN = (
    "id",
    "given_name",
    "family_name",
    "email_addresses",
    "phone_numbers",
    "addresses",
    "job_title",
    "website",
    "source_type",
    "leadsource_id",
    "lead_source_id",
    "tag_ids",
    "custom_fields",
    "create_time",
    "update_time",
    "date_created",
    "last_updated",
)


def print_test_lead(console: Console, lead: dict[str, Any], outcome: TestLeadOutcome) -> None:
    res = outcome.result
    style = {"success": "green", "skip": "cyan", "failure": "yellow"}.get(res.outcome, "red")
    console.print(f"Sent the test lead {lead.get('email')}:")
    line = f"[{style}]{res.outcome}[/]"
    if res.reason:
        line += f": {res.reason}"
    kind = ""
    if res.contact_id:
        kind = "existing contact matched; " if res.duplicate else "new contact; "
    console.print(
        f"  outcome {line}; contact id {res.contact_id or '-'}; {kind}"
        f"{res.attempts} HTTP attempt(s); {res.latency_ms:g} ms"
    )
    for step in res.details.get("steps", []):
        if isinstance(step, dict):
            detail = f" ({step.get('detail')})" if step.get("detail") else ""
            console.print(f"  step {step.get('name')}: {step.get('status')}{detail}")
    for warning in res.details.get("warnings", []):
        console.print(f"  [yellow]warning: {warning}[/]")
    if outcome.problem:
        console.print(f"[red]{outcome.problem}[/]")
    _print_read_back(console, res, outcome)
    if outcome.contact is not None:
        console.print("What Keap now holds for this contact:")
        shown = {k: outcome.contact[k] for k in _SHOWN if k in outcome.contact}
        console.print_json(json.dumps(shown or outcome.contact, default=str))


def _print_read_back(console: Console, res: Any, outcome: TestLeadOutcome) -> None:
    if outcome.tag_ids is not None:
        console.print(f"  tags on the contact in Keap: {outcome.tag_ids or 'none'}")
        for step in res.details.get("steps", []):
            applied = (step.get("data") or {}).get("statuses") if isinstance(step, dict) else None
            missing = [t for t in applied or {} if int(t) not in outcome.tag_ids]
            if missing:
                console.print(f"  [yellow]warning: tag id(s) {missing} are not on the contact[/]")
    for seq in outcome.sequences:
        where = f"sequence {seq['campaign_id']}/{seq['sequence_id']}"
        state = "in it" if seq["member"] else f"[yellow]not confirmed ({seq['keap_answer']})[/]"
        console.print(f"  {where}: {state}")
