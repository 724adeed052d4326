"""Input readers for batch delivery: CSV with a header row, or JSON lines.

A reader never stops at a bad line. Each record carries its 1-based physical line number;
a line that cannot be decoded or parsed becomes an :class:`InputRecord` with ``error`` set,
so the rest of the batch still runs. Only problems with the file as a whole (missing file,
no header row, empty file) raise :class:`InputFileError`.

``reading.py`` reads a whole file (:func:`read_leads`); ``decoding.py`` splits its bytes into
lines, ``csv_format.py`` and ``jsonl_format.py`` parse them, ``records.py`` holds what comes
out (:class:`LeadFile`, :class:`InputRecord`, :func:`lead_key`).
"""

from connector.batch.readers.csv_format import DELIMITERS, detect_delimiter
from connector.batch.readers.reading import detect_format, read_leads
from connector.batch.readers.records import (
    InputFileError,
    InputFormat,
    InputRecord,
    LeadFile,
    lead_key,
)

__all__ = [
    "DELIMITERS",
    "InputFileError",
    "InputFormat",
    "InputRecord",
    "LeadFile",
    "detect_delimiter",
    "detect_format",
    "lead_key",
    "read_leads",
]
