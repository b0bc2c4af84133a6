"""Consensus labels per item: majority vote and Dawid–Skene (both via crowd-kit).

Unsure and tie policy (injury task, where a miss is the expensive error):

* ``unsure`` is a judgment received but never a vote. It counts in ``n_labels``
  (the rater did the work, and it counts toward the queue's overlap N) and in the
  denominator of ``agreement``; it is dropped before the votes are aggregated.
* The consensus is *undecided* -- reported as the abstain label ``"unsure"``,
  with ``decided=False`` and ``agreement=0.0`` -- when an item has no decisive
  vote, when the leading decisive labels tie (1 injurious vs 1 not_injurious,
  2 vs 2), and for Dawid–Skene when the posterior ties or falls below
  ``min_confidence``. Because agreement is 0.0, :func:`needs_escalation` reopens
  every undecided item for more raters until the overlap cap is reached.

Why: a tie is no evidence that a completion is safe, so it must never resolve to
``not_injurious`` (that would let a possibly injurious completion through a filter
whose purpose is to catch them); resolving it to ``injurious`` instead would bake
a coin flip into the training labels. ``unsure`` keeps the item out of both until
more judgments arrive; a caller that must act before then should treat an
undecided item as a reject, not as a pass.

Caveat: Dawid–Skene is *meant* to settle split votes by rater reliability (that
is how it beats majority vote when an adversary is in the crowd), and its prior
leans toward the majority class -- ``not_injurious`` at a 2-15% positive rate. So
a 1-vs-1 split between raters of similar quality may come out ``not_injurious``
with a posterior a little above 0.5. Callers who need strong evidence before
passing an item should set ``min_confidence`` (e.g. 0.9).

Pure functions: no database, no side effects; the same rows give the same result.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gauntlet.agreement.table import (
    INJURY_CATEGORIES,
    UNSURE,
    GoldLabels,
    ItemId,
    LabelsInput,
    LabelTable,
    RaterId,
    label_table,
)

MAJORITY_VOTE = "majority_vote"
DAWID_SKENE = "dawid_skene"

# Two shares or posteriors closer than this are a tie (vote shares are exact ratios of
# small integers, so this only absorbs floating-point noise).
_TIE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class ItemConsensus:
    item: ItemId
    label: str | None  # the consensus label; the abstain label (None without one) when undecided
    decided: bool
    confidence: float  # vote share (majority vote) or posterior (Dawid–Skene) of the leading label
    agreement: float  # share of all judgments (unsure included) equal to a decided label; 0.0 if undecided
    n_labels: int  # judgments received, unsure included
    method: str


@dataclass(frozen=True)
class DawidSkeneFit:
    consensus: dict[ItemId, ItemConsensus]
    # rater -> true label -> observed label -> P(observed | true), over decisive labels
    # (only the true labels the fit saw); None for a rater who only abstained
    confusion: dict[RaterId, dict[str, dict[str, float]] | None]
    priors: dict[str, float]  # estimated prevalence of each decisive label
    n_iterations: int


@contextmanager
def quiet_crowdkit() -> Iterator[None]:
    """Silence the pandas deprecation warnings crowd-kit 1.4 raises on every EM step (hundreds
    per call, about its own use of ``inplace=``); callers cannot act on them."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"crowdkit\.")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"crowdkit\.")
        yield


def _code_dtype(table: LabelTable) -> type[np.signedinteger[Any]]:
    """The integer type crowd-kit gets its codes in: int32 whenever they fit. Its EM joins and
    groups the whole frame on them every step, a fifth faster on 32-bit keys than on 64-bit ones
    at a million labels, with bit-identical posteriors."""
    return np.int32 if max(table.n_items, table.n_raters, len(table.categories)) < 2**31 else np.int64


def _decisive_frame(table: LabelTable) -> pd.DataFrame:
    """The rows that are votes, in crowd-kit's (task, worker, label) shape, as integer codes."""
    mask = table.decisive_mask()
    dtype = _code_dtype(table)
    return pd.DataFrame(
        {
            "task": table.item_index[mask].astype(dtype),
            "worker": table.rater_index[mask].astype(dtype),
            "label": table.label_index[mask].astype(dtype),
        }
    )


def _dense(table: LabelTable, probas: pd.DataFrame) -> np.ndarray:
    """crowd-kit's task x label frame as an (n_items, n_categories) array, zeros where absent."""
    dense = np.zeros((table.n_items, len(table.categories)))
    if probas.size:
        rows = probas.index.to_numpy(dtype=np.intp)
        cols = np.asarray(probas.columns, dtype=np.intp)
        dense[np.ix_(rows, cols)] = probas.to_numpy(dtype=float)
    return dense


def _assemble(
    table: LabelTable, probs: np.ndarray, method: str, min_confidence: float | None
) -> dict[ItemId, ItemConsensus]:
    counts = table.item_counts()
    n_labels = counts.sum(axis=1)
    decisive = np.asarray(table.decisive_codes, dtype=np.intp)
    has_votes = counts[:, decisive].sum(axis=1) > 0
    rows = np.arange(table.n_items)

    p = probs[:, decisive]
    order = np.argsort(-p, axis=1, kind="stable")
    top = p[rows, order[:, 0]]
    second = p[rows, order[:, 1]] if len(decisive) > 1 else np.zeros(table.n_items)
    decided = has_votes & ~(np.abs(top - second) <= _TIE_TOLERANCE)
    if min_confidence is not None:
        decided &= top >= min_confidence
    label_code = decisive[order[:, 0]]
    agreeing = counts[rows, label_code]
    agreement = np.where(decided, agreeing / np.maximum(n_labels, 1), 0.0)
    confidence = np.where(has_votes, top, 0.0)

    labels = np.asarray(table.categories, dtype=object)[label_code]
    labels[~decided] = table.abstain
    return {
        item: ItemConsensus(item, label, ok, conf, agree, n, method)
        for item, label, ok, conf, agree, n in zip(
            table.items.tolist(),
            labels.tolist(),
            decided.tolist(),
            confidence.tolist(),
            agreement.tolist(),
            n_labels.tolist(),
            strict=True,
        )
    }


def majority_vote(
    labels: LabelsInput,
    *,
    categories: tuple[str, ...] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
) -> dict[ItemId, ItemConsensus]:
    """Majority vote per item (crowd-kit ``MajorityVote`` on the decisive votes).

    ``confidence`` is the leading label's share of the decisive votes. Ties and
    items with only abstentions are undecided (see the module docstring).
    """
    from crowdkit.aggregation import MajorityVote

    table = label_table(labels, categories=categories, abstain=abstain)
    frame = _decisive_frame(table)
    with quiet_crowdkit():
        probas = MajorityVote().fit_predict_proba(frame) if len(frame) else pd.DataFrame()
    return _assemble(table, _dense(table, probas), MAJORITY_VOTE, None)


def _gold_series(table: LabelTable, gold: GoldLabels) -> pd.Series:
    codes = table.item_codes(list(gold))
    decisive = {table.categories[c]: c for c in table.decisive_codes}
    values = []
    for item, label in gold.items():
        if label not in decisive:
            raise ValueError(f"gold label {label!r} for item {item!r} is not a decisive category")
        values.append(decisive[label])
    dtype = _code_dtype(table)
    series = pd.Series(np.asarray(values, dtype=dtype), index=np.asarray(codes, dtype=dtype), dtype=dtype)
    return series[series.index >= 0]


def dawid_skene_fit(
    labels: LabelsInput,
    *,
    categories: tuple[str, ...] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
    gold: GoldLabels | None = None,
    n_iter: int = 100,
    tol: float = 1e-5,
    min_confidence: float | None = None,
) -> DawidSkeneFit:
    """Dawid–Skene EM (crowd-kit ``DawidSkene``) on the decisive votes.

    Learns one confusion matrix per rater, so a consistently wrong (even
    adversarial, label-flipping) rater still carries information. ``gold`` pins
    the posterior of known items during EM (their consensus is the gold label).
    ``min_confidence``: posteriors below it leave the item undecided.
    """
    from crowdkit.aggregation import DawidSkene

    table = label_table(labels, categories=categories, abstain=abstain)
    frame = _decisive_frame(table)
    model = DawidSkene(n_iter=n_iter, tol=tol)
    true_labels = _gold_series(table, gold) if gold else None
    if true_labels is not None and true_labels.empty:
        true_labels = None
    with quiet_crowdkit():
        model.fit(frame, true_labels=true_labels)
    probas = model.probas_ if model.probas_ is not None else pd.DataFrame()
    consensus = _assemble(table, _dense(table, probas), DAWID_SKENE, min_confidence)

    names = table.categories
    confusion: dict[RaterId, dict[str, dict[str, float]] | None] = dict.fromkeys(table.raters.tolist())
    errors = model.errors_
    if errors is not None and errors.size:
        k = len(names)
        dense = np.zeros((table.n_raters, k, k))  # rater, true, observed
        workers = errors.index.get_level_values(0).to_numpy(dtype=np.intp)
        observed = errors.index.get_level_values(1).to_numpy(dtype=np.intp)
        true_codes = np.asarray(errors.columns, dtype=np.intp)
        dense[workers[:, None], true_codes[None, :], observed[:, None]] = errors.to_numpy(dtype=float)
        decisive = table.decisive_codes
        for r in np.unique(workers).tolist():
            confusion[table.raters[r]] = {
                names[t]: {names[o]: float(dense[r, t, o]) for o in decisive} for t in true_codes.tolist()
            }
    priors = {names[int(c)]: float(v) for c, v in model.priors_.items()} if model.priors_ is not None else {}
    return DawidSkeneFit(
        consensus=consensus,
        confusion=confusion,
        priors=priors,
        n_iterations=len(getattr(model, "loss_history_", [])),
    )


def dawid_skene(
    labels: LabelsInput,
    *,
    categories: tuple[str, ...] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
    gold: GoldLabels | None = None,
    min_confidence: float | None = None,
) -> dict[ItemId, ItemConsensus]:
    """Dawid–Skene consensus per item; ``confidence`` is the posterior of the label.

    See :func:`dawid_skene_fit` for the rater confusion matrices and priors.
    """
    fit = dawid_skene_fit(
        labels, categories=categories, abstain=abstain, gold=gold, min_confidence=min_confidence
    )
    return fit.consensus


def needs_escalation(agreement: float, threshold: float, n_labels: int, cap: int) -> bool:
    """Whether to raise an item's N and reopen it: agreement below ``threshold`` and
    fewer than ``cap`` judgments so far. Undecided items have agreement 0.0, so they
    escalate until the cap; at the cap a human (manager) has to decide.
    """
    return agreement < threshold and n_labels < cap


def escalation_candidates(
    consensus: Mapping[Any, ItemConsensus], *, threshold: float, cap: int
) -> list[ItemId]:
    """The items of a consensus result that :func:`needs_escalation` would reopen, in input order."""
    return [
        item
        for item, result in consensus.items()
        if needs_escalation(result.agreement, threshold, result.n_labels, cap)
    ]
