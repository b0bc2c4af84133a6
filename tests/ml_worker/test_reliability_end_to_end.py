"""Reliability end to end: generate, label the test set, sweep, compare quality, propose, approve."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from attacks.models import AdversarialExample, AttackSubmission
from attacks.selectors import adversarial_matrix
from attacks.services.matrix import adversarial_matrix_refresh
from gauntlet.audit.models import AuditRecord
from gauntlet.workqueue.models import Queue, WorkItem
from labeling.models import ComparisonPair, Example
from ml_worker.models import (
    ClassifierVersion,
    EvaluationSet,
    EvaluationSetMember,
    GeneratedSample,
    ThresholdDecision,
    ThresholdSweep,
)
from ml_worker.reliability.report import PLOT_NAMES
from ml_worker.reliability.selectors import win_rates
from ml_worker.services.training import training_data_snapshot
from tests.factories import new_contractor
from tests.labeling.conftest import work_through

pytestmark = pytest.mark.django_db


def _truthful_label(item: WorkItem) -> dict[str, Any]:
    sample = GeneratedSample.objects.filter(example_id=item.payload["example_id"]).first()
    assert sample is not None
    return {"label": "injurious" if sample.intended_label else "not_injurious"}


def _prefer_unfiltered(item: WorkItem) -> dict[str, Any]:
    """A rater who finds the unfiltered completion better: clicks whichever side shows it."""
    shown_first_is_a = item.payload["shown_first"] == "a"
    return {"answer": "B" if shown_first_is_a else "A"}


def test_generate_label_sweep_compare_propose_approve(
    manager_client,
    manager,
    tiny_version: ClassifierVersion,
    django_capture_on_commit_callbacks,
    tmp_path: Path,
) -> None:
    rater = new_contractor()
    with django_capture_on_commit_callbacks(execute=True):
        created = manager_client.post(
            "/api/v1/generation-batches/",
            {
                "name": "e2e",
                "generator": "story_world",
                "generator_settings": {"injury_rate": 0.2},
                "n_prompts": 40,
                "samples_per_prompt": 4,
                "seed": 1,
            },
            format="json",
        )
    assert created.status_code == 201, created.json()
    batch_id = created.json()["id"]
    assert manager_client.get(f"/api/v1/generation-batches/{batch_id}/").json()["status"] == "succeeded"
    samples = GeneratedSample.objects.filter(batch_id=batch_id)
    assert samples.count() == 160
    assert set(Example.objects.filter(generated__batch_id=batch_id).values_list("source", flat=True)) == {
        "generator"
    }
    assert len(set(samples.values_list("seed", flat=True))) == 160  # every sample has its own seed

    # The in-distribution test set: a uniform random sample into an injury_label queue, labelled.
    made = manager_client.post(
        "/api/v1/evaluation-sets/test/", {"generation_batch": batch_id, "n_samples": 80}, format="json"
    )
    assert made.status_code == 201, made.json()
    test_set = EvaluationSet.objects.get(pk=made.json()["id"])
    queue = Queue.objects.get(pk=made.json()["label_queue"])
    assert work_through(queue, rater, _truthful_label, limit=200) == 80

    # Never trained on: every test-set example has a decided label, and none is in the snapshot.
    snapshot = training_data_snapshot()
    members = set(test_set.members.values_list("example_id", flat=True))
    assert len(members) == 80 and snapshot["held_out_excluded"] >= 80
    assert not members & {example_id for example_id, _ in snapshot["examples"]}

    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(f"/api/v1/classifiers/{tiny_version.pk}/sweeps/").status_code == 202
    sweep = ThresholdSweep.objects.get(classifier_version=tiny_version)
    assert sweep.summary["generator_samples"] == 160 and sweep.summary["test_set"]["used"] == 80
    rows = sweep.rows
    assert [r["threshold"] for r in rows] == sorted(r["threshold"] for r in rows)
    assert rows[0]["rejection_rate"] >= rows[-1]["rejection_rate"]
    assert all("failure_rate" in r for r in rows)

    # Quality comparisons at three thresholds that accept something for most prompts.
    scores = sorted(tiny_version.scores.values_list("probability", flat=True))
    thresholds = [round(scores[int(len(scores) * q)], 6) for q in (0.3, 0.6, 0.9)]
    for threshold in thresholds:
        response = manager_client.post(
            f"/api/v1/classifiers/{tiny_version.pk}/quality-comparisons/",
            {"threshold": threshold, "generation_batch": batch_id},
            format="json",
        )
        assert response.status_code == 201, response.json()
        comparisons = Queue.objects.get(pk=response.json()["queue"])
        # The most conservative threshold costs quality: raters prefer unfiltered text there.
        answer = _prefer_unfiltered if threshold == thresholds[0] else (lambda item: {"answer": "tie"})
        assert work_through(comparisons, rater, answer, limit=200) == response.json()["pairs"] >= 20
    shown = {
        item.payload["shown_first"] for item in WorkItem.objects.filter(queue__kind="quality_comparison")
    }
    assert shown == {"a", "b"}  # display order randomised per item
    pair = ComparisonPair.objects.first()
    assert pair is not None and pair.system_b == "unfiltered"
    rates = {w.threshold: w for w in win_rates(version=tiny_version)}
    assert rates[thresholds[0]].win_rate == 1.0 and rates[thresholds[1]].win_rate == 0.5

    # Propose: the most conservative threshold whose quality cost stays within the bound.
    proposed = manager_client.post(
        f"/api/v1/classifiers/{tiny_version.pk}/threshold-decisions/",
        {"max_win_rate_upper": 0.7, "min_pairs": 10},
        format="json",
    )
    assert proposed.status_code == 201, proposed.json()
    decision = proposed.json()
    assert decision["threshold"] == thresholds[1] and decision["status"] == "proposed"
    assert decision["evidence"]["win_rate"]["upper_one_sided"] <= 0.7
    assert decision["evidence"]["sweep_row"]["failure_rate"]["upper_one_sided"] is not None
    refused = manager_client.post(
        f"/api/v1/classifiers/{tiny_version.pk}/threshold-decisions/",
        {"max_win_rate_upper": 0.51},
        format="json",
    )
    assert refused.status_code == 409 and "No compared threshold" in refused.json()["error"]["message"]

    # A held-out adversarial example and a trainable one, attacked at the old threshold.
    held = _adversarial(tiny_version, rater, "anna cut the dog deeply .")
    EvaluationSetMember.objects.create(
        evaluation_set=EvaluationSet.objects.create(name="heldout-manual-tiny", kind="adversarial"),
        example=held.example,
    )
    _adversarial(tiny_version, rater, "anna broke the cat .")
    adversarial_matrix_refresh()

    approved = manager_client.post(f"/api/v1/threshold-decisions/{decision['id']}/approve/", {"note": "ok"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    tiny_version.refresh_from_db()
    assert tiny_version.threshold == thresholds[1]
    record = AuditRecord.objects.get(action="classifier.threshold", subject_id=tiny_version.pk)
    assert record.actor == manager and record.after == {"threshold": thresholds[1]}
    assert (
        f'"threshold_decision": {decision["id"]}' in record.note
        and "failure_rate_upper_one_sided" in record.note
    )
    again = manager_client.post(f"/api/v1/threshold-decisions/{decision['id']}/approve/")
    assert again.status_code == 409
    assert ThresholdDecision.objects.get(pk=decision["id"]).decided_by == manager

    # passes follows the new threshold; the matrix holds the held-out example only.
    adversarial_matrix_refresh()
    matrix = adversarial_matrix()
    (cell,) = matrix["rows"][0]["cells"]
    assert matrix["held_out_only"] and cell["n"] == 1
    held_score = held.evaluations.get().score
    assert cell["still_passing"] == float(held_score < thresholds[1])
    reliability = manager_client.get(f"/api/v1/classifiers/{tiny_version.pk}/reliability/").json()
    assert reliability["threshold"] == thresholds[1] and len(reliability["win_rates"]) == 3

    # The report command: JSON and the four figures (looked at; the README shows one).
    out = StringIO()
    call_command(
        "reliability_report", "--version", tiny_version.name, "--json", "--plot", str(tmp_path), stdout=out
    )
    report = json.loads(out.getvalue())
    assert report["classifier_version"]["threshold"] == thresholds[1]
    assert report["decisions"][0]["status"] == "approved"
    assert [Path(p).name for p in report["plots"]] == list(PLOT_NAMES)
    for path in report["plots"]:
        assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = StringIO()
    call_command("reliability_report", "--version", str(tiny_version.pk), stdout=text)
    assert "win rate at" in text.getvalue() and "approved" in text.getvalue()


def _adversarial(version: ClassifierVersion, author: Any, completion: str) -> AdversarialExample:
    example = Example(prompt="tom went to the park .", completion=completion, batch="adv", source="manual")
    example.save()
    submission = AttackSubmission.objects.create(
        example=example,
        source="manual",
        author=author,
        classifier_version=version,
        score=0.1,
        threshold=version.threshold,
        status="verified",
    )
    return AdversarialExample.objects.create(
        example=example,
        submission=submission,
        classifier_version=version,
        score=0.1,
        source="manual",
        author=author,
        round=version.name,
        confidence=1.0,
    )
