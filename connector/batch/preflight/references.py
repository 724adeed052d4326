"""The flow's tag, sequence, custom field and lead source references, compared with Keap."""

from __future__ import annotations

from typing import Any

from connector.batch.preflight.findings import Findings


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _as_id(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


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
