"""Exporting consensus datasets: JSONL, CSV, or Hugging Face datasets-compatible JSONL + card.

An export is a folder (local path) or prefix (``s3://bucket/prefix``) holding
the data file and ``manifest.json`` (counts, label balance, sources, queue ids,
creation time). Only items with a *decided, final* consensus are exported:
undecided items (ties, all unsure; see :mod:`labeling.services.consensus`) and
items still escalated are counted in the manifest and left out.

Rows are streamed from the database to a local temporary file and then copied
to the destination, so memory stays flat whatever the size.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from django.db.models import QuerySet
from django.utils import timezone

from gauntlet.common import storage
from gauntlet.workqueue.models import Queue
from labeling.models import Consensus, InjuryLabel

FORMATS = ("jsonl", "csv", "hf")
COLUMNS = (
    "example_id",
    "prompt",
    "completion",
    "label",
    "confidence",
    "agreement",
    "n_labels",
    "source",
    "queue_id",
)
HF_LABELS = {InjuryLabel.NOT_INJURIOUS.value: 0, InjuryLabel.INJURIOUS.value: 1}


class ExportError(ValueError):
    """The export cannot be written (bad format or destination)."""


def _exported(queues: Sequence[Queue]) -> QuerySet[Consensus]:
    return Consensus.objects.filter(
        queue__in=queues, decided=True, final=True, label__in=list(HF_LABELS)
    ).order_by("id")


def _rows(queues: Sequence[Queue]) -> Iterator[dict[str, Any]]:
    values = _exported(queues).values_list(
        "example_id",
        "example__prompt",
        "example__completion",
        "label",
        "confidence",
        "agreement",
        "n_labels",
        "example__source",
        "queue_id",
    )
    for row in values.iterator(chunk_size=2000):
        yield dict(zip(COLUMNS, row, strict=True))


def _dataset_card(manifest: dict[str, Any]) -> str:
    counts = manifest["label_counts"]
    return f"""---
configs:
- config_name: default
  data_files:
  - split: train
    path: data.jsonl
dataset_info:
  features:
  - name: text
    dtype: string
  - name: text_pair
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
          '0': not_injurious
          '1': injurious
  - name: example_id
    dtype: int64
  - name: confidence
    dtype: float64
task_categories:
- text-classification
---

# Gauntlet injury-label consensus dataset

Story prompts (`text`) and one-sentence completions (`text_pair`), labelled by
paid raters: `label` 1 means the completion injures a being in the story, 0 that
it does not. Each label is the consensus of several raters
({manifest["consensus_methods"] or "n/a"}); `confidence` is its vote share or posterior.

- rows: {manifest["rows"]} ({counts.get("injurious", 0)} injurious, {counts.get("not_injurious", 0)} not injurious)
- left out: {manifest["excluded_undecided"]} undecided items (ties or only "unsure"), {manifest["excluded_not_final"]} still escalated
- queues: {", ".join(str(q) for q in manifest["queue_ids"])}
- created: {manifest["created_at"]}

Load it with `datasets.load_dataset("json", data_files="data.jsonl")` or from this folder.
"""


def _write_files(folder: Path, queues: Sequence[Queue], file_format: str) -> dict[str, Any]:
    labels: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    data_name = "data.csv" if file_format == "csv" else "data.jsonl"
    with (folder / data_name).open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS) if file_format == "csv" else None
        if writer is not None:
            writer.writeheader()
        for row in _rows(queues):
            labels[row["label"]] += 1
            sources[row["source"]] += 1
            if writer is not None:
                writer.writerow(row)
            elif file_format == "hf":
                record = {
                    "text": row["prompt"],
                    "text_pair": row["completion"],
                    "label": HF_LABELS[row["label"]],
                    "example_id": row["example_id"],
                    "confidence": row["confidence"],
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    total = sum(labels.values())
    every = Consensus.objects.filter(queue__in=queues)
    manifest: dict[str, Any] = {
        "format": file_format,
        "rows": total,
        "label_counts": dict(sorted(labels.items())),
        "label_balance": {label: count / total for label, count in sorted(labels.items())} if total else {},
        "sources": dict(sorted(sources.items())),
        "queue_ids": [queue.pk for queue in queues],
        "consensus_methods": sorted(set(_exported(queues).values_list("method", flat=True).distinct())),
        "excluded_undecided": every.filter(decided=False).count(),
        "excluded_not_final": every.filter(decided=True, final=False).count(),
        "created_at": timezone.now().isoformat(),
        "files": [data_name],
    }
    if file_format == "hf":
        (folder / "README.md").write_text(_dataset_card(manifest), encoding="utf-8")
        manifest["files"].append("README.md")
    manifest["files"].append("manifest.json")
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def dataset_export(*, queues: Sequence[Queue], file_format: str, output: str) -> dict[str, Any]:
    """Write the consensus dataset of ``queues`` to ``output`` (folder or ``s3://bucket/prefix``).

    Returns the manifest, with ``uris`` of the written files. Overwrites files of
    the same name at the destination, so re-running an export is idempotent
    (only ``created_at`` changes). Raises :class:`ExportError` for a bad format,
    no queues, or a destination that cannot be written.
    """
    if file_format not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}, not {file_format!r}")
    if not queues:
        raise ExportError("name at least one queue to export")
    if not output:
        raise ExportError("name an output folder or s3:// prefix")
    tmp = Path(tempfile.mkdtemp(prefix="gauntlet-export-"))
    try:
        manifest = _write_files(tmp, queues, file_format)
        uris = []
        if output.startswith("s3://"):
            parsed = urlparse(output)
            bucket, prefix = parsed.netloc, parsed.path.strip("/")
            if not bucket:
                raise ExportError(f"{output!r} is not an s3://bucket/prefix URI")
            client = storage.s3_client()
            for name in manifest["files"]:
                key = f"{prefix}/{name}" if prefix else name
                try:
                    client.upload_file(str(tmp / name), bucket, key)
                except Exception as exc:  # botocore raises one class per error code
                    raise ExportError(f"cannot write s3://{bucket}/{key}: {exc}") from exc
                uris.append(f"s3://{bucket}/{key}")
        else:
            folder = Path(output)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                for name in manifest["files"]:
                    shutil.copyfile(tmp / name, folder / name)
            except OSError as exc:
                raise ExportError(f"cannot write to {output}: {exc}") from exc
            uris = [(folder / name).resolve().as_uri() for name in manifest["files"]]
        manifest["uris"] = uris
        return manifest
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
