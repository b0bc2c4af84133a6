"""The passing rule, written once: the filter lets a completion through when P(injurious) < threshold.

Everything that decides or shows whether a text passes (live verdicts, substitutions, rewrite submits,
paraphrase outcomes, the adversarial matrix, calibration and reliability estimates) calls these, so
the boundary case (score == threshold is rejected) cannot drift between places. A NaN score never
passes. Pure functions, no Django.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def passes(score: float, threshold: float) -> bool:
    """True when the classifier lets the text through (``score < threshold``); False for NaN."""
    return bool(score < threshold)


def rejects(score: float, threshold: float) -> bool:
    """True when the classifier stops the text (``score >= threshold``, or a NaN score)."""
    return not passes(score, threshold)


def passes_lookup(field: str) -> str:
    """The ORM lookup of :func:`passes` on a score column, for queries that decide in SQL:
    ``filter(**{passes_lookup("score"): threshold})`` keeps the rows that pass (NULL never does)."""
    return f"{field}__lt"


def passes_mask(scores: npt.ArrayLike, threshold: float) -> npt.NDArray[np.bool_]:
    """Element-wise :func:`passes` over an array of scores."""
    values: npt.NDArray[Any] = np.asarray(scores, dtype=np.float64)
    return values < threshold


def rejects_mask(scores: npt.ArrayLike, threshold: float) -> npt.NDArray[np.bool_]:
    """Element-wise :func:`rejects` over an array of scores (NaN counts as rejected)."""
    return ~passes_mask(scores, threshold)
