"""Inter-rater reliability: percent agreement, Fleiss' kappa, Krippendorff's alpha, Cohen's kappa.

Every statistic treats the categories as nominal and *includes* the abstain
label: two raters who both say "unsure" agree, which is what reliability asks
("would another rater have said the same?"). Consensus is where unsure stops
being a vote. A statistic that is undefined for the data (too few ratings, or
no variation so chance agreement is 1) is ``None``, never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gauntlet.agreement.table import INJURY_CATEGORIES, UNSURE, LabelsInput, LabelTable, RaterId, label_table


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def percent_agreement(
    labels: LabelsInput, *, categories: tuple[str, ...] = INJURY_CATEGORIES, abstain: str | None = UNSURE
) -> float | None:
    """Share of agreeing rater pairs per item, averaged over items with at least two ratings."""
    counts = label_table(labels, categories=categories, abstain=abstain).item_counts()
    n = counts.sum(axis=1)
    rated = n >= 2
    if not rated.any():
        return None
    c, n = counts[rated], n[rated]
    per_item = (c * (c - 1)).sum(axis=1) / (n * (n - 1))
    return float(per_item.mean())


def fleiss_kappa(
    labels: LabelsInput, *, categories: tuple[str, ...] = INJURY_CATEGORIES, abstain: str | None = UNSURE
) -> float | None:
    """Fleiss' kappa; ``None`` unless every item has the same number (>= 2) of ratings."""
    counts = label_table(labels, categories=categories, abstain=abstain).item_counts()
    if counts.shape[0] == 0:
        return None
    per_item = counts.sum(axis=1)
    n = int(per_item[0])
    if n < 2 or (per_item != n).any():
        return None
    p_category = counts.sum(axis=0) / counts.sum()
    p_item = ((counts * counts).sum(axis=1) - n) / (n * (n - 1))
    p_bar = p_item.mean()
    p_chance = float((p_category**2).sum())
    if np.isclose(p_chance, 1.0):
        return None  # everyone used one label: agreement is perfect and kappa undefined
    return float((p_bar - p_chance) / (1 - p_chance))


def krippendorff_alpha(
    labels: LabelsInput, *, categories: tuple[str, ...] = INJURY_CATEGORIES, abstain: str | None = UNSURE
) -> float | None:
    """Krippendorff's alpha, nominal, with the ``krippendorff`` package.

    Missing ratings are natural: the package is fed the items x categories count
    matrix (``value_counts``), which is what its raters x items reliability matrix
    with NaN for missing ratings reduces to, without materialising raters x items.
    Items with a single rating are not pairable and drop out, as in the paper.
    """
    import krippendorff

    counts = label_table(labels, categories=categories, abstain=abstain).item_counts()
    counts = counts[counts.sum(axis=1) >= 2]
    used = counts.sum(axis=0) > 0
    if counts.shape[0] == 0 or used.sum() < 2:
        return None  # nothing pairable, or a single value: alpha is undefined
    value = krippendorff.alpha(value_counts=counts[:, used], level_of_measurement="nominal")
    return _finite_or_none(float(value))


@dataclass(frozen=True, slots=True)
class RaterPairKappa:
    rater_a: RaterId
    rater_b: RaterId
    n_shared: int  # items both raters labelled
    kappa: float | None  # None when chance agreement is 1 (both used one and the same label)


def _rater_pairs(table: LabelTable) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (rater a < rater b) pair of labels on a shared item, as code arrays (a, b, label a, label b).

    Rows sorted by item; rows ``d`` apart with the same item are one pair, for d
    up to the largest number of ratings an item has. Cost: total pairs, vectorised.
    """
    order = np.argsort(table.item_index, kind="stable")
    item = table.item_index[order]
    rater = table.rater_index[order]
    label = table.label_index[order]
    max_ratings = int(np.bincount(item).max()) if len(item) else 0
    parts: list[tuple[np.ndarray, ...]] = []
    for d in range(1, max_ratings):
        same = item[:-d] == item[d:]
        parts.append((rater[:-d][same], rater[d:][same], label[:-d][same], label[d:][same]))
    if not parts:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, empty, empty
    ra, rb, la, lb = (np.concatenate(column) for column in zip(*parts, strict=True))
    swap = ra > rb
    return (
        np.where(swap, rb, ra),
        np.where(swap, ra, rb),
        np.where(swap, lb, la),
        np.where(swap, la, lb),
    )


def cohen_kappa_pairs(
    labels: LabelsInput,
    *,
    categories: tuple[str, ...] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
    min_overlap: int = 10,
) -> list[RaterPairKappa]:
    """Cohen's kappa for every pair of raters sharing at least ``min_overlap`` items."""
    table = label_table(labels, categories=categories, abstain=abstain)
    ra, rb, la, lb = _rater_pairs(table)
    if len(ra) == 0:
        return []
    k = len(table.categories)
    pair_key = ra.astype(np.int64) * table.n_raters + rb
    pair_ids, pair_of_row = np.unique(pair_key, return_inverse=True)
    cell = (pair_of_row * k + la) * k + lb
    tables = np.bincount(cell, minlength=len(pair_ids) * k * k).reshape(len(pair_ids), k, k).astype(float)
    n = tables.sum(axis=(1, 2))
    keep = n >= min_overlap
    tables, n, pair_ids = tables[keep], n[keep], pair_ids[keep]
    observed = np.trace(tables, axis1=1, axis2=2) / n
    chance = (tables.sum(axis=2) * tables.sum(axis=1)).sum(axis=1) / (n * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(np.isclose(chance, 1.0), np.nan, (observed - chance) / (1 - chance))
    raters = table.raters
    return [
        RaterPairKappa(
            raters[key // table.n_raters], raters[key % table.n_raters], int(count), _finite_or_none(v)
        )
        for key, count, v in zip(pair_ids.tolist(), n.tolist(), kappa.tolist(), strict=True)
    ]


def cohen_kappa_matrix(
    labels: LabelsInput,
    *,
    categories: tuple[str, ...] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
    min_overlap: int = 10,
) -> pd.DataFrame:
    """Raters x raters symmetric frame of Cohen's kappa; NaN on the diagonal, for pairs under
    ``min_overlap`` and where kappa is undefined (see :func:`cohen_kappa_pairs` to tell them apart)."""
    table = label_table(labels, categories=categories, abstain=abstain)
    ids = table.raters.tolist()
    matrix = pd.DataFrame(np.nan, index=pd.Index(ids, dtype=object), columns=pd.Index(ids, dtype=object))
    for pair in cohen_kappa_pairs(table, min_overlap=min_overlap):
        value = np.nan if pair.kappa is None else pair.kappa
        matrix.loc[pair.rater_a, pair.rater_b] = value
        matrix.loc[pair.rater_b, pair.rater_a] = value
    return matrix
