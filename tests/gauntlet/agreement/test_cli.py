"""Reading label CSVs: every malformed file is one error line naming the row."""

from __future__ import annotations

from pathlib import Path

import pytest

from gauntlet.agreement import agreement_report
from gauntlet.agreement.cli import LabelsFileError, format_summary, load_gold_csv, load_labels_csv

HEADER = "item,rater,label\n"


def _write(tmp_path: Path, text: str, name: str = "labels.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_aliases_blank_lines_and_extra_columns(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "\ufefftask,worker,label,comment\n e1 ,r1,injurious,x\n\ne1,r2,unsure,\ne2,r1,not_injurious,\n",
    )
    table = load_labels_csv(path)
    assert table.items.tolist() == ["e1", "e2"]
    assert table.raters.tolist() == ["r1", "r2"]
    assert table.n_labels == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file; expected a header row item,rater,label"),
        ("item,label\ne1,injurious\n", "row 1: missing column(s) rater"),
        (HEADER, "no data rows after the header"),
        (HEADER + "e1,r1,injurious\ne1,r2,\n", "row 3: empty label"),
        (HEADER + "e1,,injurious\n", "row 2: empty rater"),
        (HEADER + " ,r1,injurious\n", "row 2: empty item"),
        (HEADER + "e1,r1,injurious\ne2,r1,maybe\n", "row 3: unknown label 'maybe'"),
        (
            HEADER + "e1,r1,injurious\ne2,r1,unsure\ne1,r1,not_injurious\n",
            "row 4: rater 'r1' already labelled item 'e1' at row 2",
        ),
        (HEADER + "e1,r1\n", "row 2: expected 3 fields, got 2"),
        (HEADER + 'e1,r1,"injurious\n', "malformed CSV"),
    ],
)
def test_malformed_files_name_the_row_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(LabelsFileError) as raised:
        load_labels_csv(path)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LabelsFileError, match="cannot open"):
        load_labels_csv(tmp_path / "nope.csv")


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + "e\xe9,r1,injurious\n".encode("latin-1"))
    with pytest.raises(LabelsFileError, match="not UTF-8"):
        load_labels_csv(path)


def test_custom_categories_are_honoured(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "p1,r1,A\np1,r2,tie\n")
    table = load_labels_csv(path, categories=("A", "B", "tie"), abstain=None)
    assert table.categories == ("A", "B", "tie")
    with pytest.raises(LabelsFileError, match="row 2: unknown label 'A'"):
        load_labels_csv(path)


def test_gold_file_loads_and_refuses_unsure_and_repeats(tmp_path: Path) -> None:
    good = _write(tmp_path, "item,label\ne1,injurious\ne2,not_injurious\n", "gold.csv")
    assert load_gold_csv(good) == {"e1": "injurious", "e2": "not_injurious"}
    unsure = _write(tmp_path, "item,label\ne1,unsure\n", "gold2.csv")
    with pytest.raises(LabelsFileError, match="row 2: gold label 'unsure' is not one of"):
        load_gold_csv(unsure)
    repeated = _write(tmp_path, "item,label\ne1,injurious\ne1,injurious\n", "gold3.csv")
    with pytest.raises(LabelsFileError, match="row 3: item 'e1' has a gold label already"):
        load_gold_csv(repeated)


def test_summary_reads_like_a_report(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "e1,r1,injurious\ne1,r2,injurious\ne2,r1,unsure\ne2,r2,not_injurious\n")
    summary = format_summary(agreement_report(load_labels_csv(path)))
    assert summary.splitlines()[0] == "4 labels on 2 items by 2 raters"
    assert "Fleiss' kappa" in summary and "Krippendorff alpha" in summary
    assert any(line.startswith("r1 ") for line in summary.splitlines())
