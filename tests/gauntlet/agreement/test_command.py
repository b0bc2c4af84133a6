"""``manage.py agreement``: the thin wrapper prints one JSON object or a summary, and turns
bad input into a one-line CommandError. Needs Django settings (pytest-django), no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[3]
LABELS = (
    "item,rater,label\n"
    "e1,r1,injurious\ne1,r2,injurious\ne1,r3,injurious\n"
    "e2,r1,not_injurious\ne2,r2,not_injurious\ne2,r3,injurious\n"
    "e3,r1,unsure\ne3,r2,not_injurious\n"
)


@pytest.fixture
def labels_csv(tmp_path: Path) -> Path:
    path = tmp_path / "labels.csv"
    path.write_text(LABELS, encoding="utf-8")
    return path


def test_json_output_has_the_documented_keys(labels_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("agreement", "--input", str(labels_csv), "--json")
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1
    report = json.loads(out)
    assert (report["n_items"], report["n_raters"], report["n_labels"]) == (3, 3, 8)
    assert report["fleiss_kappa"] is None  # e3 has two ratings, the others three
    assert report["percent_agreement"] == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert isinstance(report["krippendorff_alpha"], float)
    assert report["per_rater"]["r3"]["count"] == 2
    # r3: e1 agrees with r1+r2, e2 disagrees with r1+r2
    assert report["per_rater"]["r3"]["accuracy_vs_majority"] == pytest.approx(0.5)


def test_readable_summary_without_json(labels_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("agreement", "--input", str(labels_csv))
    out = capsys.readouterr().out
    assert out.startswith("8 labels on 3 items by 3 raters")


def test_gold_option_adds_gold_accuracy(
    labels_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gold = tmp_path / "gold.csv"
    gold.write_text("item,label\ne2,injurious\n", encoding="utf-8")
    call_command("agreement", "--input", str(labels_csv), "--gold", str(gold), "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["per_rater"]["r3"]["accuracy_vs_gold"] == 1.0
    assert report["per_rater"]["r1"]["accuracy_vs_gold"] == 0.0


def test_bad_input_is_a_command_error_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("item,rater,label\ne1,r1,injurious\ne1,r1,unsure\n", encoding="utf-8")
    with pytest.raises(CommandError, match="row 3: rater 'r1' already labelled item 'e1' at row 2"):
        call_command("agreement", "--input", str(path))
    with pytest.raises(CommandError, match="cannot open"):
        call_command("agreement", "--input", str(tmp_path / "missing.csv"))


def test_manage_py_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("item,worker_id,label\ne1,r1,injurious\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "agreement", "--input", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "gauntlet.settings.test"},
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"CommandError: {path}: row 1: missing column(s) rater; the header must name item,rater,label"
    ]
