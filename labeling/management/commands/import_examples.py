"""``python manage.py import_examples PATH_OR_S3_URI [--batch NAME] [--format jsonl|csv] [--skip-invalid]``

A name ending in ``.gz`` (``rows.jsonl.gz``) is decompressed as it is read; the format and the
default batch come from the name without ``.gz``.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from labeling.services.imports.intake import strip_gz
from labeling.services.imports.parsing import format_for, parse_stream
from labeling.services.imports.report import ImportFileError
from labeling.services.imports.service import examples_import
from labeling.services.imports.sources import default_batch_for, import_source_open
from labeling.services.imports.stored import CountingReader


class Command(BaseCommand):
    help = (
        "Import examples (prompt, completion, optional id, source, label) from a JSONL or CSV file "
        "(or either .gz) or s3:// URI. All-or-nothing unless --skip-invalid; re-imports into the same batch add nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="A local path or s3://bucket/key.")
        parser.add_argument("--batch", help="Batch name (default: the file name without extension).")
        parser.add_argument("--format", choices=("jsonl", "csv"), help="Default: from the extension.")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Land the good rows, report the rest."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")

    def handle(self, *args: Any, **options: Any) -> None:
        source: str = options["source"]
        try:
            gzipped = source.lower().endswith(".gz")
            file_format = format_for(strip_gz(source), options["format"])
            batch = options["batch"] or default_batch_for(strip_gz(source))
            with import_source_open(source) as (stream, size):
                with tqdm(
                    total=size,
                    unit="B",
                    unit_scale=True,
                    desc=f"import {batch}",
                    file=sys.stderr,
                    disable=options["no_progress"],
                ) as bar:
                    if gzipped:  # the bar counts compressed bytes, as the size is
                        raw = io.BufferedReader(CountingReader(stream, bar.update), buffer_size=64 * 1024)
                        rows = parse_stream(gzip.GzipFile(fileobj=raw, mode="rb"), file_format=file_format)
                    else:
                        rows = parse_stream(stream, file_format=file_format, progress=bar.update)
                    report = examples_import(
                        rows=rows, batch=batch, file_format=file_format, skip_invalid=options["skip_invalid"]
                    )
        except (OSError, EOFError, zlib.error) as exc:  # a bad gzip stream (BadGzipFile is an OSError)
            if not gzipped:
                raise
            raise CommandError(f"{source} is not valid gzip: {exc}") from exc
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc

        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(
                f"batch {report.batch}: {report.rows} rows, {report.created} created, "
                f"{report.duplicates} duplicates skipped, {report.invalid} invalid ({report.seconds}s)"
            )
            for error in report.row_errors:
                self.stdout.write(f"  row {error.row}: {error.field}: {error.reason}")
            if report.errors_truncated:
                self.stdout.write("  … more bad rows than the report lists")
        if report.invalid and not options["skip_invalid"]:
            raise CommandError(
                f"{report.invalid} invalid rows; nothing was imported. Fix them or pass --skip-invalid."
            )
