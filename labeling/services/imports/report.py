"""What an import reports back: counts, whether anything landed, and the bad rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str


@dataclass
class ImportReport:
    batch: str
    format: str
    rows: int = 0  # data rows seen (blank JSONL lines are not rows)
    valid: int = 0
    created: int = 0
    duplicates: int = 0  # valid rows already in the batch (or repeated in the file)
    invalid: int = 0
    landed: bool = False  # whether anything was written (False when a bad row rolled it all back)
    row_errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False  # more bad rows than GAUNTLET_IMPORT_MAX_REPORTED_ERRORS
    # The examples the file's valid rows are, created or already in the batch, ascending;
    # empty when nothing landed. ``batch`` names them too (a queue can be made from it).
    example_ids: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def example_count(self) -> int:
        return len(self.example_ids)


class ImportFileError(ValueError):
    """The source cannot be read at all (unknown format, missing file or bucket, bad header)."""
