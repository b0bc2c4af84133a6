"""The reliability report of a version: what the command, the API and the pages show, and its plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ml_worker.core.reliability import plots
from ml_worker.models import ClassifierVersion
from ml_worker.reliability import selectors
from ml_worker.reliability.models import ThresholdSweep

PLOT_NAMES = ("threshold_sweep.png", "failure_rate.png", "roc_heldout.png", "win_rate.png")


def reliability_report(*, version: ClassifierVersion, sweep: ThresholdSweep | None = None) -> dict[str, Any]:
    sweep = sweep or selectors.latest_sweep(version=version)
    decisions = list(selectors.threshold_decisions(version=version).order_by("-id")[:20])
    return {
        "classifier_version": {"id": version.pk, "name": version.name, "threshold": version.threshold},
        "sweep": None
        if sweep is None
        else {
            "id": sweep.pk,
            "computed_at": sweep.computed_at.isoformat(),
            "rows": sweep.rows,
            "summary": sweep.summary,
        },
        "current_threshold_row": selectors.sweep_row_at(sweep.rows, version.threshold) if sweep else None,
        "win_rates": [w.as_dict() for w in selectors.win_rates(version=version)],
        "decisions": [
            {
                "id": d.pk,
                "status": d.status,
                "previous_threshold": d.previous_threshold,
                "threshold": d.threshold,
                "max_win_rate_upper": d.max_win_rate_upper,
                "proposed_by": d.proposed_by.email if d.proposed_by else None,
                "decided_by": d.decided_by.email if d.decided_by else None,
                "created_at": d.created_at.isoformat(),
                "decided_at": d.decided_at.isoformat() if d.decided_at else None,
            }
            for d in decisions
        ],
    }


def reliability_plots(
    *, version: ClassifierVersion, directory: Path, bound: float | None = None
) -> list[Path]:
    """Write the four PNGs of the version's latest sweep into ``directory``; [] without a sweep."""
    sweep = selectors.latest_sweep(version=version)
    if sweep is None:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    test = selectors.in_distribution_labelled(version=version)
    heldout = selectors.heldout_sets(version=version)
    positives = {name: scores[labels == 1] for name, (scores, labels) in heldout.items()}
    positives["in-distribution"] = test.scores[test.labels == 1]
    decided = selectors.threshold_decisions(version=version).order_by("-id").first()
    bound = bound if bound is not None else (decided.max_win_rate_upper if decided else None)
    t = version.threshold
    return [
        plots.plot_sweep(sweep.rows, directory / PLOT_NAMES[0], threshold=t),
        plots.plot_failure_rate(sweep.rows, directory / PLOT_NAMES[1], threshold=t),
        plots.plot_roc(test.scores[test.labels == 0], positives, directory / PLOT_NAMES[2], threshold=t),
        plots.plot_win_rate(
            [w.as_dict() for w in selectors.win_rates(version=version)],
            directory / PLOT_NAMES[3],
            bound=bound,
            threshold=t,
        ),
    ]
