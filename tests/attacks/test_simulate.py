"""``simulate``: the loop, headless, through the real services. One tiny round on the tiny classifier:
the headline keys are there, every round is a classifier version in the database, and the per-round
figures are the database's counts."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from attacks.models import AdversarialExample, AttackSubmission, RewriteSession, SessionStatus
from gauntlet.accounts.models import User
from gauntlet.workqueue.models import Assignment
from labeling.models import Consensus
from ml_worker.models import ClassifierVersion
from ml_worker.reliability.models import EvaluationSet, ThresholdDecision

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.slow
def test_simulate_one_tiny_round(settings, tiny_checkpoint: Path) -> None:  # type: ignore[no-untyped-def]
    from gauntlet.celery import app

    settings.GAUNTLET_CLASSIFIER_BASE = str(tiny_checkpoint)
    out = StringIO()
    # Configured as a deployment is (a broker, no eager mode) and with no worker running: the loop still
    # runs, in this process, and leaves the app as it found it.
    app.conf.task_always_eager = False
    try:
        call_command(
            "simulate",
            "--rounds",
            "1",
            "--seed",
            "7",
            "--preset",
            "tiny",
            "--json",
            "--no-progress",
            stdout=out,
        )
        assert app.conf.task_always_eager is False
    finally:
        app.conf.task_always_eager = True
    result = json.loads(out.getvalue())
    assert {"rounds", "cost_ratio", "cost_ratio_ci", "auc_drop"} <= set(result)
    assert result["cost_ratio"] is None and result["auc_drop"] is None  # one round: nothing to compare yet
    assert result["verdict"] == "one version attacked: nothing to compare yet"
    assert result["cost_ratio_lower_bound"] is None
    (round_,) = result["rounds"]
    version = ClassifierVersion.objects.get(pk=round_["classifier_version"]["id"])
    assert version.name == round_["classifier_version"]["name"] == f"{result['tag']}-v0"
    assert version.threshold == round_["classifier_version"]["threshold"]
    # The baseline trained on the simulated raters' decided labels of the pool (the real snapshot).
    pool_labels = Consensus.objects.filter(
        queue__name=f"{result['tag']}: pool labels", decided=True, label__in=["injurious", "not_injurious"]
    )
    assert {e for e, _ in version.data_snapshot["examples"]} == set(
        pool_labels.values_list("example_id", flat=True)
    )
    # The figures are the database's.
    sessions = RewriteSession.objects.filter(classifier_version=version)
    assert round_["sessions"] == sessions.count() == 2
    assert not sessions.filter(status=SessionStatus.OPEN).exists()
    assert (
        round_["verified_adversarial"]
        == AdversarialExample.objects.filter(classifier_version=version).count()
    )
    assert round_["candidates"] == AttackSubmission.objects.filter(classifier_version=version).count()
    for source, row in round_["by_condition"].items():
        assert (
            row["verified"]
            == AdversarialExample.objects.filter(classifier_version=version, source=source).count()
        )
    manual = round_["by_condition"]["manual"]
    seconds = sum(
        Assignment.objects.filter(rewrite_session__in=sessions.filter(condition="manual")).values_list(
            "active_seconds", flat=True
        )
    )
    assert manual["attempts"] == 1 and manual["minutes"] == pytest.approx(seconds / 60, abs=1e-3)
    assert manual["minutes"] > 1  # simulated time: the attacker's minutes, not the test's seconds
    assert round_["held_out_auc"] is None or 0.0 <= round_["held_out_auc"] <= 1.0
    assert EvaluationSet.objects.filter(name=f"{result['tag']}-test").exists()
    calibration = round_["calibration"]
    if calibration["threshold_decision"] is not None:
        assert ThresholdDecision.objects.get(pk=calibration["threshold_decision"]).status == "approved"
    assert result["simulated_minutes"] > manual["minutes"]


def test_simulate_refuses_sizes_it_cannot_use_before_writing_anything() -> None:
    with pytest.raises(CommandError, match="pool_prompts must be at least 1"):
        call_command("simulate", "--rounds", "1", "--preset", "tiny", "--pool-prompts", "0", "--no-progress")
    with pytest.raises(CommandError, match="--rounds"):
        call_command("simulate", "--rounds", "0", "--preset", "tiny", "--no-progress")
    with pytest.raises(CommandError, match="--torch-threads"):
        call_command("simulate", "--rounds", "1", "--preset", "tiny", "--torch-threads", "0", "--no-progress")
    assert not User.objects.exists() and not ClassifierVersion.objects.exists()
