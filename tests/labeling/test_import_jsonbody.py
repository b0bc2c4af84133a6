"""The JSON rows body, decoded incrementally: any layout, any split of the bytes, the same rows."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from labeling.services.imports import jsonbody
from labeling.services.imports.jsonbody import json_body_to_jsonl
from labeling.services.imports.report import ImportFileError

ROWS: list[Any] = [
    {"prompt": "Zoë’s kettle — “boiling”", "completion": "She scalded her hand.\n", "id": 12345678901234},
    {"prompt": "x", "completion": "y", "label": None, "nested": {"a": [1, 2.5e3, True, False]}},
    "not an object",
    [1, 2],
    12.5,
]


def convert(
    body: str, read_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any] | None, list[Any]]:
    monkeypatch.setattr(jsonbody, "READ_BYTES", read_bytes)
    out = io.BytesIO()
    options = json_body_to_jsonl(io.BytesIO(body.encode()), out)
    return options, [json.loads(line) for line in out.getvalue().decode().splitlines()]


@pytest.mark.parametrize("read_bytes", [1, 2, 3, 7, 64, 65536])
@pytest.mark.parametrize("indent", [None, 2])
def test_every_split_of_the_body_gives_the_same_rows_and_options(
    read_bytes: int, indent: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps({"batch": "b1", "rows": ROWS, "skip_invalid": True}, indent=indent, ensure_ascii=False)
    options, rows = convert(body, read_bytes, monkeypatch)
    assert options == {"batch": "b1", "skip_invalid": True}
    assert rows == ROWS  # non-objects kept, so the import reports them at their list position


def test_an_empty_list_no_rows_key_and_bad_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    assert convert('{"rows": []}', 3, monkeypatch) == ({}, [])
    assert convert('{"batch": "b"}', 3, monkeypatch)[0] is None  # nothing to import
    assert convert("{}", 3, monkeypatch)[0] is None
    for bad, says in (
        ("[1, 2]", "expected '{'"),
        ('{"rows": {"a": 1}}', "rows must be a list"),
        ('{"rows": [1, 2', "after row 2"),
        ('{"rows": [1] "batch": 2}', "between keys"),
        ('{"rows": [1]} trailing', "after the closing"),
        ('{"rows": [{"prompt": "unterminated}]}', "row 1"),
    ):
        with pytest.raises(ImportFileError, match=says):
            convert(bad, 4, monkeypatch)
