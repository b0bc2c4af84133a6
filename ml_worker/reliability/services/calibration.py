"""Calibration decisions: propose the most conservative threshold within a quality bound, then a
manager approves (the version's threshold changes, audited) or rejects it."""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone

from gauntlet.accounts.models import User
from gauntlet.errors import Conflict, Invalid
from ml_worker.core.reliability.quality import calibration_proposal
from ml_worker.models import ClassifierVersion
from ml_worker.reliability import selectors
from ml_worker.reliability.models import DecisionStatus, ThresholdDecision
from ml_worker.reliability.services.sweep import threshold_sweep_compute
from ml_worker.services.registry import classifier_version_set_threshold


@transaction.atomic
def threshold_decision_propose(
    *,
    version: ClassifierVersion,
    max_win_rate_upper: float = 0.55,
    min_pairs: int = 20,
    proposed_by: User | None = None,
) -> ThresholdDecision:
    """Propose the lowest compared threshold whose one-sided 95% upper bound on the unfiltered win
    rate is at most ``max_win_rate_upper`` (judged on at least ``min_pairs`` pairs), with its
    evidence: that win rate, every other compared threshold's, and the sweep row at it (failure-rate
    estimate and bounds, rejection rate, recall on held-out sets). 409 when none qualifies."""
    if not 0.5 <= max_win_rate_upper < 1.0:
        raise Invalid("invalid_bound", "max_win_rate_upper is a win rate between 0.5 and 1.")
    if min_pairs < 1:
        raise Invalid("invalid_bound", "min_pairs must be at least 1.")
    rates = selectors.win_rates(version=version)
    proposal = calibration_proposal(rates, max_win_rate_upper=max_win_rate_upper, min_pairs=min_pairs)
    if proposal is None:
        tested = "; ".join(
            f"{w.threshold:g}: upper {w.upper_one_sided:.3f} on {w.n_pairs} pairs"
            for w in rates
            if w.upper_one_sided is not None
        )
        raise Conflict(
            "no_threshold_qualifies",
            f"No compared threshold of {version.name} keeps the upper 95% bound of the unfiltered win rate "
            f"within {max_win_rate_upper:.0%} on at least {min_pairs} pairs"
            + (f" (tested: {tested})." if tested else " (no quality comparison has been judged yet)."),
        )
    sweep = selectors.latest_sweep(version=version)
    if sweep is None or not any(abs(r["threshold"] - proposal.threshold) < 1e-12 for r in sweep.rows):
        sweep = threshold_sweep_compute(version=version, score=False, n_bootstrap=500)
    evidence = {
        "win_rate": proposal.as_dict(),
        "compared": [w.as_dict() for w in rates],
        "sweep_id": sweep.pk,
        "sweep_row": selectors.sweep_row_at(sweep.rows, proposal.threshold),
        "current_threshold_row": selectors.sweep_row_at(sweep.rows, version.threshold),
    }
    return ThresholdDecision.objects.create(
        classifier_version=version,
        previous_threshold=version.threshold,
        threshold=proposal.threshold,
        max_win_rate_upper=max_win_rate_upper,
        evidence=evidence,
        proposed_by=proposed_by,
    )


def _decision_locked(decision: ThresholdDecision) -> ThresholdDecision:
    locked = (
        ThresholdDecision.objects.select_for_update().select_related("classifier_version").get(pk=decision.pk)
    )
    if locked.status != DecisionStatus.PROPOSED:
        raise Conflict("already_decided", f"Threshold decision {locked.pk} was already {locked.status}.")
    return locked


@transaction.atomic
def threshold_decision_approve(
    *, decision: ThresholdDecision, approver: User, note: str = ""
) -> ThresholdDecision:
    """Apply the proposed threshold to its version. The threshold change goes through the registry's
    ``classifier_version_set_threshold`` (one passing rule, an audit record with the approver, the
    time and the evidence in the same transaction); every ``passes`` read from then on follows."""
    decision = _decision_locked(decision)
    win = decision.evidence.get("win_rate", {})
    row = decision.evidence.get("sweep_row") or {}
    failure = row.get("failure_rate") or {}
    summary = {
        "threshold_decision": decision.pk,
        "max_win_rate_upper": decision.max_win_rate_upper,
        "unfiltered_win_rate": win.get("win_rate"),
        "win_rate_upper_one_sided": win.get("upper_one_sided"),
        "pairs": win.get("n_pairs"),
        "rejection_rate": row.get("rejection_rate"),
        "failure_rate": failure.get("rate"),
        "failure_rate_upper_one_sided": failure.get("upper_one_sided"),
    }
    classifier_version_set_threshold(
        version=decision.classifier_version,
        threshold=decision.threshold,
        actor=approver,
        note=(note + "\n" if note else "") + "evidence: " + json.dumps(summary, default=str),
    )
    decision.status = DecisionStatus.APPROVED
    decision.decided_by = approver
    decision.decided_at = timezone.now()
    decision.note = note
    decision.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return decision


@transaction.atomic
def threshold_decision_reject(
    *, decision: ThresholdDecision, approver: User, note: str = ""
) -> ThresholdDecision:
    decision = _decision_locked(decision)
    decision.status = DecisionStatus.REJECTED
    decision.decided_by = approver
    decision.decided_at = timezone.now()
    decision.note = note
    decision.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return decision
