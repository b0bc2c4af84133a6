"""Reading label CSVs and printing agreement reports; the ``agreement`` command is a thin
wrapper around these, so they are tested without Django.

CSV rows are numbered as a spreadsheet shows them: the header is row 1, the
first label is row 2. Every problem is reported as one line naming the row.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gauntlet.agreement.table import INJURY_CATEGORIES, UNSURE, LabelTable, label_table

LABEL_COLUMNS = ("item", "rater", "label")
GOLD_COLUMNS = ("item", "label")
_ALIASES = {"worker": "rater", "task": "item"}


class LabelsFileError(ValueError):
    """A labels or gold CSV that cannot be used; the message is one line naming the row."""


def _read_rows(path: Path, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Data rows as (row number, {column: stripped value}) after checking the header."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise LabelsFileError(f"{path}: cannot open: {exc.strerror or exc}") from exc
    with handle:
        reader = csv.reader(handle, strict=True)  # an unclosed quote is an error, not a field
        try:
            header = next(reader, None)
            if header is None:
                raise LabelsFileError(f"{path}: empty file; expected a header row {','.join(required)}")
            names = [_ALIASES.get(name.strip().lower(), name.strip().lower()) for name in header]
            missing = [column for column in required if column not in names]
            if missing:
                raise LabelsFileError(
                    f"{path}: row 1: missing column(s) {', '.join(missing)}; "
                    f"the header must name {','.join(required)}"
                )
            positions = {column: names.index(column) for column in required}
            rows: list[tuple[int, dict[str, str]]] = []
            for number, fields in enumerate(reader, start=2):
                if not fields or all(not field.strip() for field in fields):
                    continue  # blank line
                if len(fields) != len(names):
                    raise LabelsFileError(
                        f"{path}: row {number}: expected {len(names)} fields, got {len(fields)}"
                    )
                values = {column: fields[position].strip() for column, position in positions.items()}
                for column in required:
                    if not values[column]:
                        raise LabelsFileError(f"{path}: row {number}: empty {column}")
                rows.append((number, values))
        except UnicodeDecodeError as exc:
            raise LabelsFileError(f"{path}: not UTF-8 text ({exc.reason})") from exc
        except csv.Error as exc:
            raise LabelsFileError(f"{path}: row {reader.line_num}: malformed CSV ({exc})") from exc
    if not rows:
        raise LabelsFileError(f"{path}: no data rows after the header")
    return rows


def load_labels_csv(
    path: str | Path,
    *,
    categories: Sequence[str] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
) -> LabelTable:
    """Read ``item,rater,label`` rows (header required; ``worker`` and ``task`` are accepted
    aliases; extra columns are ignored) into a validated :class:`LabelTable`.

    Raises :class:`LabelsFileError` for a missing/unreadable file, a missing column,
    an empty value, an unknown label, a duplicate (item, rater) pair or no rows.
    """
    path = Path(path)
    cats = tuple(categories)
    first_seen: dict[tuple[str, str], int] = {}
    triples: list[tuple[str, str, str]] = []
    for number, row in _read_rows(path, LABEL_COLUMNS):
        if row["label"] not in cats:
            raise LabelsFileError(
                f"{path}: row {number}: unknown label {row['label']!r}; expected one of {', '.join(cats)}"
            )
        key = (row["item"], row["rater"])
        if key in first_seen:
            raise LabelsFileError(
                f"{path}: row {number}: rater {key[1]!r} already labelled item {key[0]!r} "
                f"at row {first_seen[key]}"
            )
        first_seen[key] = number
        triples.append((row["item"], row["rater"], row["label"]))
    return label_table(triples, categories=cats, abstain=abstain)


def load_gold_csv(
    path: str | Path,
    *,
    categories: Sequence[str] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
) -> dict[str, str]:
    """Read ``item,label`` gold answers (header required) into a mapping item -> label.
    A gold answer must be a decisive label (never the abstain label)."""
    path = Path(path)
    decisive = [name for name in categories if name != abstain]
    gold: dict[str, str] = {}
    for number, row in _read_rows(path, GOLD_COLUMNS):
        if row["label"] not in decisive:
            raise LabelsFileError(
                f"{path}: row {number}: gold label {row['label']!r} is not one of {', '.join(decisive)}"
            )
        if row["item"] in gold:
            raise LabelsFileError(f"{path}: row {number}: item {row['item']!r} has a gold label already")
        gold[row["item"]] = row["label"]
    return gold


def _figure(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_summary(report: dict[str, Any]) -> str:
    """A readable multi-line summary of an :func:`agreement_report` dict."""
    lines = [
        f"{report['n_labels']} labels on {report['n_items']} items by {report['n_raters']} raters",
        f"percent agreement   {_figure(report['percent_agreement'])}",
        f"Fleiss' kappa       {_figure(report['fleiss_kappa'])}"
        + ("" if report["fleiss_kappa"] is not None else "  (raters per item differ, or undefined)"),
        f"Krippendorff alpha  {_figure(report['krippendorff_alpha'])}  (nominal)",
    ]
    for method, summary in report["consensus"].items():
        if isinstance(summary, dict):
            counts = ", ".join(f"{label} {count}" for label, count in summary["label_counts"].items())
            lines.append(f"consensus ({method}): {counts or 'none'}; undecided {summary['n_undecided']}")
    lines.append("")
    lines.append(f"{'rater':<24} {'labels':>7} {'vs majority':>12} {'vs gold':>9} {'unsure':>7}")
    for rater, stats in report["per_rater"].items():
        lines.append(
            f"{rater:<24} {stats['count']:>7} {_figure(stats['accuracy_vs_majority']):>12} "
            f"{_figure(stats['accuracy_vs_gold']):>9} {_figure(stats['unsure_rate']):>7}"
        )
    for rater, reasons in report["flagged_raters"].items():
        lines.append(f"FLAGGED {rater}: {'; '.join(reasons)}")
    return "\n".join(lines)
