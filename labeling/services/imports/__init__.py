"""Importing examples from JSONL or CSV, streamed, all-or-nothing by default.

Rows carry ``prompt``, ``completion`` and optionally ``id``, ``source`` and
``label``. The file is read one line at a time (never whole into memory),
every row is validated exactly like :func:`labeling.services.examples.example_create`
does, and valid rows are inserted in chunks inside ONE transaction:

- by default a single bad row rolls everything back and the report lists every
  bad row (row number, field, reason);
- with ``skip_invalid`` the good rows land and the bad ones are reported.

Re-importing the same rows into the same batch creates nothing: rows whose
(batch, content hash) already exists are counted as duplicates, and the
database's unique constraint backs that up against concurrent imports.

Row numbers are what a person finds in the file: the line number for JSONL,
the spreadsheet row for CSV (the header is row 1), the list position (from 1)
for rows sent as JSON.

Big files run in the background instead (:mod:`.jobs`, an ``ImportJob``): every row is checked
first (nothing written), then the rows land in per-chunk transactions that record exactly which
rows of the file have landed.

The package holds one concern per module: :mod:`.parsing` (formats and row numbers),
:mod:`.sources` (local files and S3), :mod:`.service` (``examples_import``), :mod:`.report`,
:mod:`.intake` (an HTTP upload or body, gzip or not, streamed to disk) with :mod:`.jsonbody`
(a JSON rows body rewritten as JSONL), :mod:`.jobs` (background import jobs), :mod:`.stored`
(reading a stored upload back) and :mod:`.bulk` (a chunk's insert: COPY on PostgreSQL).
Callers import from those modules; the names below are re-exported so older imports keep working.
"""

from labeling.services.imports.parsing import (
    FORMATS,
    REQUIRED_COLUMNS,
    ParsedRow,
    ProgressCallback,
    format_for,
    parse_csv,
    parse_jsonl,
    parse_rows,
    parse_stream,
)
from labeling.services.imports.report import ImportFileError, ImportReport, RowError
from labeling.services.imports.service import examples_import
from labeling.services.imports.sources import default_batch_for, import_source_open, split_s3_uri

__all__ = [
    "FORMATS",
    "REQUIRED_COLUMNS",
    "ImportFileError",
    "ImportReport",
    "ParsedRow",
    "ProgressCallback",
    "RowError",
    "default_batch_for",
    "examples_import",
    "format_for",
    "import_source_open",
    "parse_csv",
    "parse_jsonl",
    "parse_rows",
    "parse_stream",
    "split_s3_uri",
]
