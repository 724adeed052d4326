"""Before a batch: check the credential and what a flow refers to, and send a test lead.

``check_flow`` lists the account's custom fields, tags, campaigns (with their sequences) and
lead sources, and reports every id or name in the flow that does not exist in Keap. Templated
references (``{{ lead.tag }}``) depend on the lead and are listed as not checkable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

#: The test lead ``send-test-lead`` delivers: obviously a test, valid in every field, so a
#: failure points at the flow or the account rather than the data.
TEST_LEAD: dict[str, str] = {
    "first_name": "Test",
    "last_name": "Lead",
    "email": "test.lead@example.com",
    "phone_1": "+1 602 555 0143",
    "address_1": "100 Test Street",
    "city": "Phoenix",
    "state": "AZ",
    "postal_code": "85004",
    "country": "US",
    "website": "https://example.com",
    "title": "Test Contact",
    "comments": "Test lead sent by keap-connector send-test-lead. Safe to delete.",
    "utm_source": "keap-connector",
    "utm_medium": "test",
    "utm_campaign": "send-test-lead",
}


@dataclass
class Findings:
    ok: bool = False
    credential: str = "not checked"
    api_version: str | None = None
    auth: str | None = None
    custom_fields: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    lead_sources: list[dict[str, Any]] = field(default_factory=list)
    #: references in the flow that do not exist in Keap
    problems: list[str] = field(default_factory=list)
    #: things that could not be checked (templates, listings Keap refused)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)


def _value(obj: Any) -> Any:
    return getattr(obj, "value", obj)


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _as_id(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _paged_v2(client: Any, path: str, key: str) -> Iterator[dict[str, Any]]:
    token: str | None = None
    for _ in range(100):  # bounded: 100 pages of 1000
        params: dict[str, Any] = {"page_size": 1000}
        if token:
            params["page_token"] = token
        body = client.request("GET", path, params=params).json()
        yield from body.get(key) or []
        token = body.get("next_page_token")
        if not token:
            return


def _paged_v1(client: Any, path: str, key: str, **extra: Any) -> Iterator[dict[str, Any]]:
    offset = 0
    for _ in range(100):
        params: dict[str, Any] = {"limit": 1000, "offset": offset, **extra}
        body = client.request("GET", path, params=params).json()
        items = body.get(key) or []
        yield from items
        offset += len(items)
        if not items or not body.get("next") or offset >= int(body.get("count") or 0):
            return


def _sequences_of(client: Any, v2: bool, campaign: dict[str, Any]) -> list[dict[str, Any]]:
    if campaign.get("sequences"):
        return list(campaign["sequences"])
    if v2:
        body = client.request("GET", f"/v2/campaigns/{campaign['id']}/sequences").json()
    else:
        # v1 lists campaigns without sequences; the single campaign has them on request.
        body = client.request(
            "GET",
            f"/v1/campaigns/{campaign['id']}",
            params={"optional_properties": "sequences"},
        ).json()
    return list(body.get("sequences") or [])


def inventory(client: Any, findings: Findings, v2: bool) -> None:
    """Fill in the account's tags, campaigns and lead sources (best effort, per listing)."""
    from connector.client.errors import KeapError

    def attempt(what: str, fn: Any) -> list[dict[str, Any]]:
        try:
            return list(fn())
        except KeapError as exc:
            findings.notes.append(f"could not list {what}: {exc}")
            return []

    if v2:
        tags = attempt("tags", lambda: _paged_v2(client, "/v2/tags", "tags"))
        campaigns = attempt("campaigns", lambda: _paged_v2(client, "/v2/campaigns", "campaigns"))
    else:
        tags = attempt("tags", lambda: _paged_v1(client, "/v1/tags", "tags"))
        campaigns = attempt("campaigns", lambda: _paged_v1(client, "/v1/campaigns", "campaigns"))
    findings.tags = [{"id": str(t.get("id")), "name": t.get("name")} for t in tags]
    for c in campaigns:
        seqs = attempt(
            f"sequences of campaign {c.get('id')}", lambda c=c: _sequences_of(client, v2, c)
        )
        findings.campaigns.append(
            {
                "id": str(c.get("id")),
                "name": c.get("name"),
                "sequences": [{"id": str(s.get("id")), "name": s.get("name")} for s in seqs],
            }
        )
    sources = attempt("lead sources", lambda: client.iter_lead_sources())
    findings.lead_sources = [{"id": str(s.get("id")), "name": s.get("name")} for s in sources]


def check_references(config: Any, findings: Findings) -> None:
    """Compare the flow's tag, sequence, custom field and lead source references with Keap."""
    _check_tags(config, findings)
    _check_sequences(config, findings)
    _check_custom_fields(config, findings)
    _check_lead_source(config, findings)


def _check_tags(config: Any, findings: Findings) -> None:
    tag_ids = {t["id"] for t in findings.tags}
    for i, rule in enumerate(getattr(config, "tags", []) or []):
        ref = rule.id
        if _is_template(ref):
            findings.notes.append(f"tags[{i}] is a template ({ref}); checked per lead")
            continue
        for part in str(ref).replace(";", ",").split(","):
            tid = _as_id(part)
            if tid is None:
                findings.problems.append(f"tags[{i}]: {part.strip()!r} is not a tag id")
            elif str(tid) not in tag_ids:
                findings.problems.append(f"tags[{i}]: tag id {tid} does not exist in Keap")


def _check_sequences(config: Any, findings: Findings) -> None:
    campaigns = {c["id"]: c for c in findings.campaigns}
    for i, seq in enumerate(getattr(config, "sequences", []) or []):
        camp = campaigns.get(str(seq.campaign_id))
        if camp is None:
            findings.problems.append(
                f"sequences[{i}]: campaign {seq.campaign_id} does not exist in Keap"
            )
        elif str(seq.sequence_id) not in {s["id"] for s in camp["sequences"]}:
            findings.problems.append(
                f"sequences[{i}]: sequence {seq.sequence_id} is not in campaign "
                f"{seq.campaign_id} ({camp['name']})"
            )


def _check_custom_fields(config: Any, findings: Findings) -> None:
    """A custom field is named by id or by label (labels compared without case)."""
    labels = {str(f.get("label", "")).strip().lower() for f in findings.custom_fields}
    field_ids = {str(f.get("id")) for f in findings.custom_fields}
    for i, rule in enumerate(getattr(config, "custom_fields", []) or []):
        fid = _as_id(rule.field)
        if fid is not None:
            if str(fid) not in field_ids:
                findings.problems.append(
                    f"custom_fields[{i}]: custom field id {fid} does not exist in Keap"
                )
        elif str(rule.field).strip().lower() not in labels:
            findings.problems.append(
                f"custom_fields[{i}]: custom field label {rule.field!r} does not exist in Keap"
            )


def _check_lead_source(config: Any, findings: Findings) -> None:
    """The contact's lead source, by id or by name (a template is checked per lead)."""
    source = getattr(getattr(config, "contact", None), "lead_source", None)
    if source is None:
        return
    if _is_template(source):
        findings.notes.append("contact.lead_source is a template; checked per lead")
    elif (sid := _as_id(source)) is not None:
        if str(sid) not in {s["id"] for s in findings.lead_sources}:
            findings.problems.append(f"contact.lead_source: lead source id {sid} not found")
    elif str(source).strip().lower() not in {
        str(s["name"] or "").strip().lower() for s in findings.lead_sources
    }:
        findings.problems.append(
            f"contact.lead_source: lead source {source!r} does not exist in Keap"
        )


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


@dataclass
class TestLeadOutcome:
    result: Any
    contact: dict[str, Any] | None
    problem: str | None = None
    #: the contact's tag ids as Keap lists them after the delivery
    tag_ids: list[int] | None = None
    #: each sequence the delivery added the contact to, with Keap's answer when asked again
    sequences: list[dict[str, Any]] = field(default_factory=list)


def send_test(connector: Any, lead: dict[str, Any], *, log: Any = None) -> TestLeadOutcome:
    """Deliver ``lead`` and read the contact back from Keap."""
    from connector.batch.readers import InputRecord, lead_key
    from connector.batch.results import record_result, result_from_connector
    from connector.client.errors import KeapError

    value = connector.deliver(lead)
    record = InputRecord(line=0, lead=lead, raw="", key=lead_key(lead, ""))
    result = result_from_connector(record, value, 0.0)
    if log is not None:
        record_result(
            log,
            result,
            email=lead.get("email"),
            source="send-test-lead",
            line=None,
            lead_key=record.key,
            # its own row in `report --group-by run`, not "(no run)"
            run_id="send-test-lead",
        )
    outcome = TestLeadOutcome(result=result, contact=None)
    if result.contact_id:
        try:
            outcome.contact = connector.client.get_contact(result.contact_id)
            _read_back(connector, result, outcome)
        except KeapError as exc:
            outcome.problem = f"could not read the contact back: {exc}"
    return outcome


def _read_back(connector: Any, result: Any, outcome: TestLeadOutcome) -> None:
    """Tags and sequence membership of the test contact, as Keap has them now."""
    from connector.client.keap import RequestStats

    dialect, client, stats = connector.dialect, connector.client, RequestStats()
    outcome.tag_ids = dialect.contact_tag_ids(client, result.contact_id, stats)
    for step in result.details.get("steps", []):
        data = (step.get("data") or {}) if isinstance(step, dict) else {}
        if "campaign_id" not in data or step.get("status") != "ok":
            continue
        answer = dialect.confirm_in_sequence(
            client, result.contact_id, data["campaign_id"], data["sequence_id"], stats
        )
        outcome.sequences.append(
            {
                "campaign_id": data["campaign_id"],
                "sequence_id": data["sequence_id"],
                "member": answer.upper() == "ALREADY_IN_SEQUENCE",
                "keap_answer": answer,
            }
        )


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
