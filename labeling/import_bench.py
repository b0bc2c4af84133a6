"""``python manage.py bench import --rows 1000000 --json``: a million-row upload imported with memory flat.

The measured path is the background import as a manager's upload takes it: a gzip JSONL file
(``rows`` realistic story pairs, written streaming to a temporary file first) is received
(:class:`~labeling.services.imports.intake.ReceivedImport`), stored in default storage, and
``labeling.tasks.import_job_run`` runs it (Celery eager, in this process: checking every row,
then landing them in chunks, COPY on PostgreSQL). A sampling thread reads this process's RSS every
20 ms: ``idle_rss_mb`` just before the import, ``peak_rss_mb`` the highest during it (targets:
``seconds`` <= 180 and peak within 200 MB of idle). The bare baseline (``bare_copy_seconds``,
PostgreSQL only) is one plain COPY of the same file's rows into an unindexed temporary table.

On PostgreSQL the run uses a scratch database (created and dropped); on SQLite it imports into a
batch of its own in the current database and deletes it afterwards.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection, transaction

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def rss_mb() -> float:
    """This process's resident set size now, in MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE_MB


class _PeakRss:
    """Samples RSS every ``interval`` seconds on a thread; ``peak`` is the highest seen."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval, self.peak = interval, rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def bench_rows_write(path: Path, rows: int) -> None:
    """``rows`` distinct story pairs (~220 bytes each) as gzip JSONL, written streaming."""
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        for i in range(rows):
            row = {
                "id": f"b{i}",
                "prompt": f"Story {i}: Mara carried the heavy pot of soup down the narrow stairs to the cellar.",
                "completion": f"Halfway down ({i}) she slipped, and the boiling soup scalded both of her hands.",
                "label": ("injurious", "not_injurious", "unsure")[i % 3],
            }
            out.write(json.dumps(row) + "\n")


@contextmanager
def _database(use_current: bool) -> Iterator[None]:
    if use_current or connection.vendor != "postgresql":
        yield
        return
    old_name = connection.settings_dict["NAME"]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    old_test_name = test_settings.get("NAME")
    test_settings["NAME"] = f"{old_name}_bench_import"  # never the test suite's own test database
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        test_settings["NAME"] = old_test_name


def _bare_copy_seconds(path: Path) -> float | None:
    """A plain COPY of the file's rows (json.loads each line) into an unindexed temporary table."""
    if connection.vendor != "postgresql":
        return None
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_bare_rows (prompt text, completion text) ON COMMIT DROP")
        with cursor.cursor.copy("COPY bench_bare_rows (prompt, completion) FROM STDIN") as copy:
            with gzip.open(path, "rb") as rows:
                for line in rows:
                    value = json.loads(line)
                    copy.write_row((value["prompt"], value["completion"]))
    return time.perf_counter() - start


def run_import_bench(*, rows: int, use_current: bool = False) -> dict[str, Any]:
    from gauntlet.celery import app
    from labeling.models import Example, ImportJob
    from labeling.services.imports.intake import ReceivedImport
    from labeling.services.imports.jobs import import_job_create

    workdir = Path(tempfile.mkdtemp(prefix="gauntlet-bench-import-"))
    path = workdir / "bench.jsonl.gz"
    bench_rows_write(path, rows)
    batch = f"bench-import-{os.getpid()}-{int(time.time())}"
    out: dict[str, Any] = {
        "rows": rows,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "database": connection.vendor,
    }
    was_eager = app.conf.task_always_eager
    try:
        with _database(use_current):
            received = ReceivedImport(
                path=path, name="bench.jsonl.gz", format="jsonl", gzipped=True, size=path.stat().st_size,
                options={"batch": batch},
            )  # fmt: skip
            app.conf.task_always_eager = True  # the task runs in this process, at commit
            idle = rss_mb()
            start = time.perf_counter()
            with _PeakRss() as peak:
                job = import_job_create(received=received, created_by=None)
            seconds = time.perf_counter() - start
            job = ImportJob.objects.get(pk=job.pk)
            out.update(
                seconds=round(seconds, 2),
                peak_rss_mb=round(peak.peak, 1),
                idle_rss_mb=round(idle, 1),
                peak_over_idle_mb=round(peak.peak - idle, 1),
                rows_per_s=round(rows / seconds),
                state=job.state,
                rows_landed=job.rows_landed,
                created=job.created,
                invalid=job.invalid,
                examples_in_batch=Example.objects.filter(batch=batch).count(),
            )
            bare = _bare_copy_seconds(path)
            out["bare_copy_seconds"] = None if bare is None else round(bare, 2)
            out["vs_bare_copy"] = None if not bare else round(seconds / bare, 2)
            if use_current or connection.vendor != "postgresql":
                Example.objects.filter(batch=batch).delete()
    finally:
        app.conf.task_always_eager = was_eager
        path.unlink(missing_ok=True)
        workdir.rmdir()
    out["targets"] = "seconds <= 180; peak_rss_mb - idle_rss_mb <= 200"
    return out
