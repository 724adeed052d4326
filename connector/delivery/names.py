"""Lead-source names and custom-field labels turned into Keap ids (cached per connector)."""

from __future__ import annotations

from connector.client.keap import KeapClient, RequestStats
from connector.delivery.run import FlowProblem, Run
from connector.lookups import NameCache, name_key
from connector.result import StepStatus


class NameResolver:
    """Looks names up in Keap once and caches them; shared by a connector's threads."""

    def __init__(self, client: KeapClient) -> None:
        self.client = client
        self._lead_sources = NameCache(self._fetch_lead_sources)
        self._custom_fields = NameCache(self._fetch_custom_fields)

    def forget_custom_fields(self) -> None:
        """A fresh contact model was just fetched: re-resolve custom-field labels lazily."""
        self._custom_fields.invalidate()

    def lead_source(self, source: int | str | None, run: Run, offline: bool) -> int | None:
        if source is None:
            return None
        if isinstance(source, int) or str(source).strip().isdigit():
            return int(source)
        if offline:
            return None
        found = self._lead_sources.get(str(source), run.stats)
        if found is None:
            # Not fatal: the contact is still worth creating, just without a lead source.
            run.warnings.append("lead source name not found in Keap; contact sent without it")
            run.step("lead_source", StepStatus.FAILED, "lead source name not found")
        return found

    def custom_fields(
        self, values: list[tuple[int | str, str]], run: Run, offline: bool
    ) -> dict[int, str]:
        out: dict[int, str] = {}
        for ref, content in values:
            if isinstance(ref, int) or str(ref).strip().isdigit():
                out[int(ref)] = content
            elif not offline:
                out[self.custom_field_id(str(ref), run)] = content
        return out

    def custom_field_ref(self, ref: str, run: Run) -> int:
        return int(ref) if ref.strip().isdigit() else self.custom_field_id(ref, run)

    def custom_field_id(self, label: str, run: Run) -> int:
        found = self._custom_fields.get(label, run.stats)
        if found is None:
            raise FlowProblem(f"custom field label {label!r} does not exist in Keap")
        return found

    def _fetch_lead_sources(self, stats: RequestStats) -> dict[str, int]:
        return {
            name_key(str(s.get("name", ""))): int(s["id"])
            for s in self.client.iter_lead_sources(stats=stats)
            if s.get("id") is not None
        }

    def _fetch_custom_fields(self, stats: RequestStats) -> dict[str, int]:
        model = self.client.contact_model(stats=stats)
        return {
            name_key(str(f.get("label", ""))): int(f["id"])
            for f in model.get("custom_fields") or []
            if f.get("id") is not None
        }
