"""The long label table every agreement function reads.

Callers hand in ``(item, rater, label)`` rows, either as a sequence of tuples or
as a pandas DataFrame with columns ``item`` (or ``task``), ``rater`` (or
``worker``) and ``label``. Item and rater ids are any hashable values (database
ids, strings); labels are strings from an explicit category tuple. The rows are
validated once and turned into integer codes so that the statistics are plain
numpy operations, whatever the id types.

``abstain`` names the category that means "I cannot tell" (``"unsure"`` for the
injury task). It is a judgment received, but never a vote: see ``consensus``.
Schemes without an abstain category (quality comparisons: ``A`` / ``B`` /
``tie``) pass ``abstain=None``.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

INJURIOUS = "injurious"
NOT_INJURIOUS = "not_injurious"
UNSURE = "unsure"
INJURY_CATEGORIES: tuple[str, ...] = (INJURIOUS, NOT_INJURIOUS, UNSURE)

COMPARISON_A = "A"
COMPARISON_B = "B"
COMPARISON_TIE = "tie"
COMPARISON_OUTCOMES: tuple[str, ...] = (COMPARISON_A, COMPARISON_B, COMPARISON_TIE)

ItemId: TypeAlias = Hashable
RaterId: TypeAlias = Hashable
GoldLabels: TypeAlias = Mapping[Any, str]  # item id -> the known (decisive) label

_ITEM_COLUMNS = ("item", "task")
_RATER_COLUMNS = ("rater", "worker")


@dataclass(frozen=True, eq=False)
class LabelTable:
    """Validated labels as integer codes; row ``r`` says rater ``raters[rater_index[r]]``
    gave item ``items[item_index[r]]`` the label ``categories[label_index[r]]``.

    Immutable; build it with :func:`label_table`.
    """

    items: np.ndarray  # unique item ids, in order of first appearance
    raters: np.ndarray  # unique rater ids, in order of first appearance
    categories: tuple[str, ...]
    abstain: str | None
    item_index: np.ndarray  # intp, one per row
    rater_index: np.ndarray  # intp, one per row
    label_index: np.ndarray  # intp, one per row

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_raters(self) -> int:
        return len(self.raters)

    @property
    def n_labels(self) -> int:
        return len(self.label_index)

    @property
    def abstain_code(self) -> int | None:
        return None if self.abstain is None else self.categories.index(self.abstain)

    @property
    def decisive_codes(self) -> list[int]:
        """Codes of the categories that count as votes (every category but ``abstain``)."""
        return [code for code, name in enumerate(self.categories) if name != self.abstain]

    def decisive_mask(self) -> np.ndarray:
        """Boolean per row: the label is a vote, not an abstention."""
        code = self.abstain_code
        if code is None:
            return np.ones(self.n_labels, dtype=bool)
        return np.asarray(self.label_index != code)

    def item_counts(self) -> np.ndarray:
        """``(n_items, n_categories)`` matrix: how many raters gave each item each label."""
        k = len(self.categories)
        flat = np.bincount(self.item_index * k + self.label_index, minlength=self.n_items * k)
        return flat.reshape(self.n_items, k)

    def rater_counts(self) -> np.ndarray:
        """``(n_raters, n_categories)`` matrix: how often each rater used each label."""
        k = len(self.categories)
        flat = np.bincount(self.rater_index * k + self.label_index, minlength=self.n_raters * k)
        return flat.reshape(self.n_raters, k)

    def item_codes(self, ids: Sequence[ItemId]) -> np.ndarray:
        """Codes of the given item ids, -1 where the id is not in the table."""
        return np.asarray(pd.Index(self.items).get_indexer(list(ids)))


LabelsInput: TypeAlias = LabelTable | pd.DataFrame | Sequence[tuple[Any, Any, Any]]


def _pick_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str:
    for name in names:
        if name in frame.columns:
            return name
    raise ValueError(f"labels need a column named {' or '.join(names)}; got {list(frame.columns)}")


def label_table(
    labels: LabelsInput,
    *,
    categories: Sequence[str] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
) -> LabelTable:
    """Validate ``(item, rater, label)`` rows and encode them.

    Raises ``ValueError`` for a missing value, a label outside ``categories``, or
    the same rater labelling the same item twice. An empty input gives an empty
    table (every statistic of it is ``None``). A ``LabelTable`` is returned as is.
    """
    if isinstance(labels, LabelTable):
        return labels
    cats = tuple(categories)
    if len(set(cats)) != len(cats) or not cats:
        raise ValueError(f"categories must be distinct and non-empty; got {cats}")
    if abstain is not None and abstain not in cats:
        raise ValueError(f"abstain label {abstain!r} is not one of the categories {cats}")

    if isinstance(labels, pd.DataFrame):
        frame = labels
        item_col = _pick_column(frame, _ITEM_COLUMNS)
        rater_col = _pick_column(frame, _RATER_COLUMNS)
        label_col = _pick_column(frame, ("label",))
        item_values, rater_values, label_values = frame[item_col], frame[rater_col], frame[label_col]
    else:
        rows = list(labels)
        if any(len(row) != 3 for row in rows):
            raise ValueError("each label row must be an (item, rater, label) triple")
        frame = pd.DataFrame(rows, columns=["item", "rater", "label"], dtype=object)
        item_values, rater_values, label_values = frame["item"], frame["rater"], frame["label"]

    for name, values in (("item", item_values), ("rater", rater_values), ("label", label_values)):
        missing = np.flatnonzero(values.isna().to_numpy())
        if len(missing):
            raise ValueError(f"row {int(missing[0])}: missing {name}")

    label_index = np.asarray(pd.Index(cats).get_indexer(label_values), dtype=np.intp)
    unknown = np.flatnonzero(label_index < 0)
    if len(unknown):
        bad = label_values.iloc[int(unknown[0])]
        raise ValueError(f"row {int(unknown[0])}: unknown label {bad!r}; expected one of {', '.join(cats)}")

    item_index, items = pd.factorize(item_values, sort=False)
    rater_index, raters = pd.factorize(rater_values, sort=False)
    item_index = np.asarray(item_index, dtype=np.intp)
    rater_index = np.asarray(rater_index, dtype=np.intp)

    pair_key = item_index.astype(np.int64) * max(len(raters), 1) + rater_index
    duplicated = pd.Series(pair_key).duplicated().to_numpy()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0])
        raise ValueError(
            f"row {row}: rater {raters[rater_index[row]]!r} labelled item {items[item_index[row]]!r} twice"
        )

    return LabelTable(
        items=np.asarray(items, dtype=object),
        raters=np.asarray(raters, dtype=object),
        categories=cats,
        abstain=abstain,
        item_index=item_index,
        rater_index=rater_index,
        label_index=label_index,
    )
