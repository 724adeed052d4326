"""Match the official operations against a Flask app's routes and tally the result."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import Map

from . import exclusions as exclusions_module
from .exclusions import Exclusion
from .operations import DOCUMENTS, Area, Operation, official_operations, path_template
from .routes import Route, api_routes


@dataclass(frozen=True)
class Tally:
    implemented: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.implemented / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.implemented} / {self.total} ({self.percent:.1f} %)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "implemented": self.implemented,
            "total": self.total,
            "percent": round(self.percent, 1),
        }


@dataclass(frozen=True)
class FamilyTally:
    document: str
    family: str
    area: Area
    implemented: int
    total: int
    excluded: int

    @property
    def tally(self) -> Tally:
        return Tally(self.implemented, self.total)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "family": self.family,
            "area": self.area,
            **self.tally.to_dict(),
            "excluded": self.excluded,
        }


@dataclass(frozen=True)
class OperationStatus:
    operation: Operation
    route: Route | None  # the rule that serves it, if any
    exclusion: str | None  # why keapsim leaves it out, if it does

    @property
    def implemented(self) -> bool:
        # An excluded operation never counts, even if a route appeared (that is a problem the
        # report names: the exclusion must then go).
        return self.route is not None and self.exclusion is None

    def to_dict(self) -> dict[str, Any]:
        op = self.operation
        return {
            "document": op.document,
            "method": op.method,
            "path": op.path,
            "operation_id": op.operation_id,
            "family": op.family,
            "area": op.area,
            "summary": op.summary,
            "deprecated": op.deprecated,
            "also_in": list(op.also_in),
            "implemented": self.implemented,
            "route": self.route.rule if self.route else None,
            "excluded": self.exclusion,
        }


@dataclass(frozen=True)
class CoverageReport:
    statuses: tuple[OperationStatus, ...]
    undocumented_routes: tuple[Route, ...] = ()  # keapsim's own routes under /crm/rest
    problems: tuple[str, ...] = ()  # exclusions that do not fit the documents or the routes

    # -- tallies -----------------------------------------------------------------------------
    def tally(self, document: str | None = None, area: Area | None = None) -> Tally:
        chosen = [s for s in self.statuses if _selected(s.operation, document, area)]
        return Tally(sum(s.implemented for s in chosen), len(chosen))

    @property
    def overall(self) -> Tally:
        return self.tally()

    def families(self) -> list[FamilyTally]:
        """Per document and family: CRM families first, then commerce, each by name."""
        groups: dict[tuple[str, str], list[OperationStatus]] = {}
        for status in self.statuses:
            groups.setdefault((status.operation.document, status.operation.family), []).append(
                status
            )
        order = {document.key: index for index, document in enumerate(DOCUMENTS)}
        tallies = [
            FamilyTally(
                document=document,
                family=family,
                area=members[0].operation.area,
                implemented=sum(s.implemented for s in members),
                total=len(members),
                excluded=sum(s.exclusion is not None for s in members),
            )
            for (document, family), members in groups.items()
        ]
        return sorted(
            tallies,
            key=lambda t: (order.get(t.document, 99), t.area != "crm", t.family.lower()),
        )

    def documents(self) -> list[str]:
        present = {s.operation.document for s in self.statuses}
        return [d.key for d in DOCUMENTS if d.key in present]

    # -- selections --------------------------------------------------------------------------
    def implemented(self) -> list[OperationStatus]:
        return [s for s in self.statuses if s.implemented]

    def missing(self) -> list[OperationStatus]:
        return [s for s in self.statuses if not s.implemented]

    def excluded(self) -> list[OperationStatus]:
        return [s for s in self.statuses if s.exclusion is not None]

    def only(self, document: str | None = None, area: Area | None = None) -> CoverageReport:
        """The same report restricted to one document and/or area."""
        kept = tuple(s for s in self.statuses if _selected(s.operation, document, area))
        routes = tuple(r for r in self.undocumented_routes if document in (None, r.document))
        return CoverageReport(kept, routes, self.problems)

    # -- machine form ------------------------------------------------------------------------
    def to_dict(self, *, missing_only: bool = False) -> dict[str, Any]:
        listed = self.missing() if missing_only else list(self.statuses)
        return {
            "documents": [
                {
                    "document": document.key,
                    "file": document.file_name,
                    "title": document.title,
                    **self.tally(document.key).to_dict(),
                    "areas": {area: self.tally(document.key, area).to_dict() for area in AREAS},
                }
                for document in DOCUMENTS
                if document.key in self.documents()
            ],
            "families": [family.to_dict() for family in self.families()],
            "areas": {area: self.tally(area=area).to_dict() for area in AREAS},
            "total": self.overall.to_dict(),
            "operations": [status.to_dict() for status in listed],
            "undocumented_routes": [
                {"method": r.method, "rule": r.rule} for r in self.undocumented_routes
            ],
            "problems": list(self.problems),
        }


AREAS: tuple[Area, ...] = ("crm", "commerce")


def _selected(op: Operation, document: str | None, area: Area | None) -> bool:
    return document in (None, op.document) and area in (None, op.area)


def build_report(
    url_map: Map | None = None,
    *,
    exclusions: Iterable[Exclusion] | None = None,
    operations: Iterable[Operation] | None = None,
) -> CoverageReport:
    """Coverage of the official documents by ``url_map`` (the shared app's by default), with
    ``exclusions`` (by default those of :mod:`keapsim.coverage.exclusions`)."""
    if url_map is None:
        from ..app import shared_app

        url_map = shared_app().flask_app.url_map
    operations = tuple(official_operations() if operations is None else operations)
    routes = {(r.document, r.method, r.template): r for r in api_routes(url_map)}
    if exclusions is None:
        exclusions = exclusions_module.EXCLUSIONS
    reasons, problems = _exclusion_reasons(operations, exclusions)
    statuses = []
    for op in operations:
        route = routes.pop(op.key, None)
        reason = reasons.get(op.key)
        if route is not None and reason is not None:
            problems.append(
                f"{op.document} {op.label()} is served by {route.rule} but still listed in "
                "keapsim/coverage/exclusions.py: remove the exclusion"
            )
        statuses.append(OperationStatus(op, route, reason))
    return CoverageReport(tuple(statuses), tuple(sorted(routes.values())), tuple(problems))


def _exclusion_reasons(
    operations: tuple[Operation, ...], exclusions: Iterable[Exclusion]
) -> tuple[dict[tuple[str, str, str], str], list[str]]:
    known = {op.key for op in operations}
    reasons: dict[tuple[str, str, str], str] = {}
    problems: list[str] = []
    for exclusion in exclusions:
        key = (exclusion.document, exclusion.method.upper(), path_template(exclusion.path))
        if key not in known:
            problems.append(
                f"exclusion {exclusion.document} {exclusion.method} {exclusion.path} names no "
                "operation of the official documents"
            )
        elif key in reasons:
            problems.append(
                f"exclusion {exclusion.document} {exclusion.method} {exclusion.path} is listed "
                "twice"
            )
        elif not exclusion.reason.strip():
            problems.append(
                f"exclusion {exclusion.document} {exclusion.method} {exclusion.path} gives no "
                "reason"
            )
        else:
            reasons[key] = exclusion.reason.strip()
    return reasons, problems
