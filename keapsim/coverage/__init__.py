"""Coverage as a product feature: which operations of Keap's official documents keapsim serves.

``keapsim coverage`` prints it; :func:`build_report` gives it to code (the test suite keeps the
count from going down and checks that every served operation has a test)::

    from keapsim.coverage import build_report

    report = build_report()
    report.overall            # Tally(implemented=77, total=540)
    report.missing()          # the operations keapsim does not serve yet, with reasons
"""

from __future__ import annotations

from .exclusions import EXCLUSIONS, Exclusion
from .operations import DOCUMENTS, Area, Document, Operation, official_operations
from .report import CoverageReport, FamilyTally, OperationStatus, Tally, build_report

__all__ = [
    "DOCUMENTS",
    "EXCLUSIONS",
    "Area",
    "CoverageReport",
    "Document",
    "Exclusion",
    "FamilyTally",
    "Operation",
    "OperationStatus",
    "Tally",
    "build_report",
    "official_operations",
]
