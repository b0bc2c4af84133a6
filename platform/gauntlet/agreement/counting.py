"""Majority vote on one item by plain counting: what a contractor's submit can afford.

:func:`gauntlet.agreement.consensus.majority_vote` runs crowd-kit's ``MajorityVote``
over a pandas frame, about 14 ms of CPU even for a one-label item; inside a
contractor's submit that was most of the request. Counting a handful of labels
gives the same answer in microseconds, with the same unsure and tie policy (see
:mod:`gauntlet.agreement.consensus`): ``unsure`` counts as a judgment, never as a
vote; a tie or no decisive vote is undecided (abstain label, agreement 0).
``tests/gauntlet/agreement/test_counting.py`` checks it against crowd-kit.

Pure: no database, no side effects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from gauntlet.agreement.consensus import MAJORITY_VOTE, ItemConsensus
from gauntlet.agreement.table import INJURY_CATEGORIES, UNSURE, ItemId


def majority_count(
    item: ItemId,
    labels: Iterable[str],
    *,
    categories: tuple[str, ...] = INJURY_CATEGORIES,
    abstain: str | None = UNSURE,
) -> ItemConsensus | None:
    """The majority-vote consensus of one item's labels (one per judgment), or None without any.

    ``confidence`` is the leading label's share of the decisive votes, ``agreement``
    its share of all judgments (unsure included), exactly as ``majority_vote`` reports.
    Raises ``ValueError`` for a label outside ``categories``.
    """
    counts = Counter(labels)
    unknown = set(counts) - set(categories)
    if unknown:
        raise ValueError(f"labels {sorted(unknown)} are not among the categories {categories}")
    n_labels = sum(counts.values())
    if n_labels == 0:
        return None
    votes = [(counts[c], c) for c in categories if c != abstain and counts[c] > 0]
    n_votes = sum(n for n, _ in votes)
    if not votes:
        return ItemConsensus(item, abstain, False, 0.0, 0.0, n_labels, MAJORITY_VOTE)
    votes.sort(key=lambda vote: -vote[0])  # stable: equal counts keep category order
    top, label = votes[0]
    confidence = top / n_votes
    if len(votes) > 1 and votes[1][0] == top:  # a tie is no evidence either way
        return ItemConsensus(item, abstain, False, confidence, 0.0, n_labels, MAJORITY_VOTE)
    return ItemConsensus(item, label, True, confidence, top / n_labels, n_labels, MAJORITY_VOTE)
