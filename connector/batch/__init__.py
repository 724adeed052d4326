"""Batch delivery: readers, runner, results/dead-letter writers and the resume ledger.

``file_run.py`` is the body of ``keap-connector deliver``; ``preflight/`` checks a flow against
the account and sends a test lead.
"""

from connector.batch.ledger import LeadResult, ResultsLedger, load_results, write_dead_letter
from connector.batch.readers import InputFileError, InputRecord, LeadFile, read_leads
from connector.batch.runner import BatchRunner
from connector.batch.state import BatchOptions, BatchStats, BatchSummary

__all__ = [
    "BatchOptions",
    "BatchRunner",
    "BatchStats",
    "BatchSummary",
    "InputFileError",
    "InputRecord",
    "LeadFile",
    "LeadResult",
    "ResultsLedger",
    "load_results",
    "read_leads",
    "write_dead_letter",
]
