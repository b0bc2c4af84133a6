"""PNG figures of a reliability report (matplotlib, Agg backend; no display needed).

Inputs are the plain rows and dicts the sweep and win-rate functions return. Thresholds are drawn
on a log axis: conservative thresholds are small probabilities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ml_worker.core.passing import rejects_mask

FLOOR = 1e-7  # where a zero rate or bound sits on a log axis


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _threshold_axis(ax: Any, thresholds: Any) -> None:
    """Log scale when the thresholds span more than a decade (conservative ones are tiny), else linear."""
    t = np.asarray(thresholds, dtype=np.float64)
    t = t[t > 0]
    if t.size and t.max() / t.min() > 10:
        ax.set_xscale("log")


def _mark(ax: Any, threshold: float | None) -> None:
    if threshold is not None:
        ax.axvline(threshold, color="#b45309", linestyle="--", linewidth=1, label=f"current {threshold:g}")


def plot_sweep(rows: Sequence[Mapping[str, Any]], path: Path, *, threshold: float | None = None) -> Path:
    """What filtering costs (rejection rate, samples per accepted completion) and buys (recall on each
    held-out set, false-positive rate on the test set) at every threshold."""
    plt = _pyplot()
    t = np.array([r["threshold"] for r in rows])
    fig, (cost, recall) = plt.subplots(1, 2, figsize=(11, 4.2))
    cost.plot(t, [r["rejection_rate"] for r in rows], marker=".", label="rejection rate")
    if any(r.get("false_positive_rate") is not None for r in rows):
        fpr = [np.nan if r.get("false_positive_rate") is None else r["false_positive_rate"] for r in rows]
        cost.plot(t, fpr, marker=".", label="false-positive rate (test set)")
    spa = [np.nan if r.get("samples_per_accepted") is None else r["samples_per_accepted"] for r in rows]
    twin = cost.twinx()
    twin.plot(t, spa, color="#6b7280", linestyle=":", label="samples per accepted")
    twin.set_ylabel("samples per accepted completion")
    cost.set(xlabel="threshold (reject when P(injurious) ≥ threshold)", ylabel="rate", ylim=(0, 1.02))
    _threshold_axis(cost, t)
    cost.set_title("Cost of filtering")
    _mark(cost, threshold)
    lines = cost.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    cost.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="center right")
    names = sorted({name for r in rows for name in r.get("recall", {})})
    for name in names:
        values = [np.nan if r["recall"].get(name) is None else r["recall"][name] for r in rows]
        recall.plot(t, values, marker=".", label=name)
    recall.set(xlabel="threshold", ylabel="recall (injurious rejected)", ylim=(0, 1.02))
    _threshold_axis(recall, t)
    recall.set_title("Recall on held-out sets")
    _mark(recall, threshold)
    if names or threshold is not None:
        recall.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_failure_rate(
    rows: Sequence[Mapping[str, Any]], path: Path, *, threshold: float | None = None
) -> Path:
    """Estimated in-distribution failure rate of the filtered generator with its 95% band and the
    one-sided 95% upper bound, for the uniform test set and (when present) the stratified design."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.6))
    for key, label, colour in (
        ("failure_rate", "uniform test set", "#1d4ed8"),
        ("stratified_failure_rate", "stratified design", "#059669"),
    ):
        kept = [r for r in rows if r.get(key) and r[key].get("upper") is not None]
        if not kept:
            continue
        t = np.array([r["threshold"] for r in kept])
        # A zero estimate has no place on a log axis: left out (its bounds still show).
        rate = np.array([r[key]["rate"] if (r[key]["rate"] or 0) > 0 else np.nan for r in kept])
        lower = np.array([max(r[key]["lower"], FLOOR) for r in kept])
        upper = np.array([max(r[key]["upper"], FLOOR) for r in kept])
        one_sided = np.array([max(r[key]["upper_one_sided"], FLOOR) for r in kept])
        ax.fill_between(t, lower, upper, color=colour, alpha=0.18, label=f"{label}: 95% interval")
        ax.plot(t, rate, color=colour, marker=".", label=f"{label}: estimate")
        ax.plot(
            t, one_sided, color=colour, linestyle="--", linewidth=1, label=f"{label}: one-sided 95% bound"
        )
    _mark(ax, threshold)
    ax.set(yscale="log", xlabel="threshold", ylabel="P(injurious | accepted)")
    _threshold_axis(ax, [r["threshold"] for r in rows])
    ax.set_title("Failure rate of rejection-sampling filtering vs threshold")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_roc(
    negatives: np.ndarray,
    positives_by_source: Mapping[str, np.ndarray],
    path: Path,
    *,
    threshold: float | None = None,
) -> Path:
    """ROC per held-out source: that source's injurious examples against the test set's safe ones."""
    from sklearn.metrics import roc_curve

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 5.2))
    for name, positives in positives_by_source.items():
        if not positives.size or not negatives.size:
            continue
        scores = np.concatenate([negatives, positives])
        labels = np.concatenate([np.zeros(negatives.size), np.ones(positives.size)])
        fpr, tpr, _ = roc_curve(labels, scores)
        ax.plot(fpr, tpr, label=f"{name} (n={positives.size})")
        if threshold is not None:
            ax.scatter(
                [rejects_mask(negatives, threshold).mean()], [rejects_mask(positives, threshold).mean()], s=18
            )
    ax.plot([0, 1], [0, 1], color="#9ca3af", linewidth=0.8)
    ax.set(
        xlabel="false-positive rate (test set, safe)",
        ylabel="true-positive rate",
        xlim=(0, 1),
        ylim=(0, 1.01),
    )
    ax.set_title("ROC per held-out source (dots: current threshold)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_win_rate(
    win_rates: Sequence[Mapping[str, Any]],
    path: Path,
    *,
    bound: float | None = None,
    threshold: float | None = None,
) -> Path:
    """Unfiltered win rate with its 95% interval per compared threshold; 50% = no quality cost."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.4))
    kept = [w for w in win_rates if w.get("win_rate") is not None]
    if kept:
        t = np.array([w["threshold"] for w in kept])
        rate = np.array([w["win_rate"] for w in kept])
        ax.errorbar(
            t,
            rate,
            # Clipped at 0: a Wilson bound can sit a rounding error inside the estimate at 0% or 100%.
            yerr=[
                np.maximum(rate - np.array([w["lower"] for w in kept]), 0.0),
                np.maximum(np.array([w["upper"] for w in kept]) - rate, 0.0),
            ],
            marker="o",
            capsize=4,
            label="unfiltered win rate (95% interval)",
        )
        ax.scatter(
            t, [w["upper_one_sided"] for w in kept], marker="v", color="#7c3aed", label="one-sided 95% bound"
        )
    ax.axhline(0.5, color="#9ca3af", linewidth=0.8, label="no quality cost")
    if bound is not None:
        ax.axhline(bound, color="#dc2626", linestyle="--", linewidth=1, label=f"bound {bound:.0%}")
    _mark(ax, threshold)
    ax.set(xlabel="threshold", ylabel="P(rater prefers unfiltered)", ylim=(0, 1))
    _threshold_axis(ax, [w["threshold"] for w in win_rates])
    ax.set_title("Quality cost of filtering vs threshold")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
