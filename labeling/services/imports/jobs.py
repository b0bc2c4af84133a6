"""Big imports in the background (:class:`labeling.models.ImportJob`): store the upload, check, then land.

``import_job_create`` stores what arrived in default storage (S3 in production, so any worker can
read it) and enqueues ``labeling.tasks.import_job_run`` on commit (eager, inline, on the embedded
default). ``import_job_run`` makes two streamed passes over the stored file:

1. **checking**: every row is parsed and validated exactly as ``examples_import`` does; nothing
   is written. The job row records rows checked and bytes read as it goes (autocommit, so a
   poller sees progress). With a bad row and no ``skip_invalid`` the job ends ``rejected``
   with every bad row listed, and nothing was written.
2. **landing**: the valid rows are inserted in chunks of ``GAUNTLET_IMPORT_CHUNK_SIZE`` (COPY on
   PostgreSQL); each chunk commits in one transaction with the job's ``rows_landed``, so the
   first ``rows_landed`` rows of the file are exactly those written (or skipped as bad or
   duplicate). A re-run after a crash resumes after them. Never half a chunk.

Memory stays flat: one chunk of rows, the capped error list, and counters.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from gauntlet.accounts.models import User
from gauntlet.common.enqueue import task_send_on_commit
from labeling.models import ImportJob, ImportJobState
from labeling.services.examples import batch_clean, example_fields_clean
from labeling.services.imports.bulk import rows_insert
from labeling.services.imports.intake import ReceivedImport, strip_gz
from labeling.services.imports.parsing import parse_stream
from labeling.services.imports.report import ImportFileError
from labeling.services.imports.sources import default_batch_for
from labeling.services.imports.stored import stored_rows_open

PROGRESS_EVERY_S = 0.5  # how often the checking pass writes its progress


def truthy(value: Any) -> bool:
    """A form, query-string or JSON boolean."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


@transaction.atomic
def import_job_create(*, received: ReceivedImport, created_by: User | None) -> ImportJob:
    """Store the received rows and enqueue their import; the queued job.

    Raises ``ValidationError`` for a bad batch name (before anything is stored)."""
    options = received.options
    default = "default" if received.sent_as == "json" else default_batch_for(strip_gz(received.name))
    batch = batch_clean(options.get("batch") or default)
    suffix = ".gz" if received.gzipped else ""
    with received.path.open("rb") as fh:
        source = default_storage.save(f"imports/{uuid.uuid4().hex}.{received.format}{suffix}", File(fh))
    job = ImportJob.objects.create(
        source=source,
        source_name=received.name[:300],
        format=received.format,
        batch=batch,
        skip_invalid=truthy(options.get("skip_invalid")),
        created_by=created_by,
        bytes_total=received.size,
    )
    task_send_on_commit("labeling.tasks.import_job_run", job.pk)
    return job


def _checked(
    rows: Iterator[tuple[int, dict[str, Any] | None, list[Any]]],
) -> Iterator[tuple[int, dict[str, Any] | None, list[Any]]]:
    """Each parsed row with its fields cleaned (``None`` and the errors when bad)."""
    for number, values, parse_errors in rows:
        if values is None:
            yield number, None, parse_errors
            continue
        fields, errors = example_fields_clean(
            prompt=values.get("prompt"),
            completion=values.get("completion"),
            source=values.get("source"),
            label=values.get("label"),
            external_id=values.get("id"),
        )
        yield number, (None if errors else fields), errors


@contextmanager
def _rows(
    job: ImportJob, progress: Any = None
) -> Iterator[Iterator[tuple[int, dict[str, Any] | None, list[Any]]]]:
    with stored_rows_open(job.source, gzipped=job.source.endswith(".gz"), progress=progress) as stream:
        yield _checked(parse_stream(stream, file_format=job.format))


def _check(job: ImportJob) -> None:
    max_errors = settings.GAUNTLET_IMPORT_MAX_REPORTED_ERRORS
    read = {"bytes": 0}
    last_write = time.monotonic()

    def progress(raw_bytes: int) -> None:
        read["bytes"] += raw_bytes

    job.rows_checked = job.valid = job.invalid = 0
    job.row_errors, job.errors_truncated = [], False
    with _rows(job, progress) as rows:
        for number, fields, errors in rows:
            job.rows_checked += 1
            if fields is None:
                job.invalid += 1
                for error in errors:
                    if len(job.row_errors) < max_errors:
                        job.row_errors.append({"row": number, "field": error.field, "reason": error.reason})
                    else:
                        job.errors_truncated = True
            else:
                job.valid += 1
            if time.monotonic() - last_write > PROGRESS_EVERY_S:
                last_write = time.monotonic()
                ImportJob.objects.filter(pk=job.pk).update(
                    rows_checked=job.rows_checked, bytes_done=read["bytes"]
                )
    job.rows_total = job.rows_checked
    job.bytes_done = read["bytes"]


def _land(job: ImportJob) -> None:
    chunk_size = settings.GAUNTLET_IMPORT_CHUNK_SIZE
    author_id = job.created_by_id
    resume_after = job.rows_landed  # rows of the file already written by an earlier run
    seen = 0
    chunk: list[dict[str, Any]] = []
    chunk_rows = 0  # file rows the chunk covers (bad ones included)

    def flush() -> None:
        nonlocal chunk_rows
        with transaction.atomic():
            written = rows_insert(rows=chunk, batch=job.batch, author_id=author_id)
            job.rows_landed += chunk_rows
            job.created += written.created
            job.duplicates += len(chunk) - written.created
            if written.first_id is not None:
                job.first_example_id = min(job.first_example_id or written.first_id, written.first_id)
                job.last_example_id = max(job.last_example_id or 0, written.last_id or 0)
            job.save(
                update_fields=["rows_landed", "created", "duplicates", "first_example_id", "last_example_id"]
            )
        chunk.clear()
        chunk_rows = 0

    with _rows(job) as rows:
        for _number, fields, _errors in rows:
            seen += 1
            if seen <= resume_after:
                continue
            chunk_rows += 1
            if fields is not None:
                chunk.append(fields)
            if len(chunk) >= chunk_size:
                flush()
    if chunk_rows:
        flush()


def _state(job: ImportJob, state: str, **fields: Any) -> None:
    job.state = state
    for name, value in fields.items():
        setattr(job, name, value)
    job.save()


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Check, then land, the job's stored rows (see the module docstring); the finished job.

    Idempotent: a finished job is left alone; a job interrupted while landing resumes after
    ``rows_landed`` without checking again. The stored upload is deleted once the job ends."""
    if job.finished:
        return job
    try:
        if job.state != ImportJobState.LANDING:
            _state(job, ImportJobState.CHECKING, started_at=timezone.now())
            _check(job)
            if job.invalid and not job.skip_invalid:
                _state(job, ImportJobState.REJECTED, finished_at=timezone.now())
                _source_delete(job)
                return job
            _state(job, ImportJobState.LANDING)
        _land(job)
    except ImportFileError as exc:
        _state(job, ImportJobState.FAILED, message=str(exc), finished_at=timezone.now())
        _source_delete(job)
        return job
    _state(job, ImportJobState.SUCCEEDED, finished_at=timezone.now())
    _source_delete(job)
    return job


def _source_delete(job: ImportJob) -> None:
    default_storage.delete(job.source)


def import_job_progress(job: ImportJob) -> float:
    """How far the job is through its current phase, 0 to 1 (1 once finished)."""
    if job.finished:
        return 1.0
    if job.state == ImportJobState.LANDING and job.rows_total:
        return min(1.0, job.rows_landed / job.rows_total)
    if job.state == ImportJobState.CHECKING and job.bytes_total:
        return min(1.0, job.bytes_done / job.bytes_total)
    return 0.0


def import_job_fail(*, job_id: int, message: str) -> None:
    """Record why a job stopped (the task's last resort: a time limit, an unexpected error)."""
    ImportJob.objects.filter(pk=job_id).exclude(
        state__in=(ImportJobState.SUCCEEDED, ImportJobState.REJECTED)
    ).update(state=ImportJobState.FAILED, message=message[:2000], finished_at=timezone.now())
