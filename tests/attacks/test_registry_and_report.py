"""The adversarial-example registry, the robustness matrix across versions, and the report command."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from attacks.models import AdversarialExample, AttackSubmission
from attacks.tasks import refresh_adversarial_matrix
from labeling.models import Example
from ml_worker.models import ClassifierVersion, EvaluationSet, EvaluationSetMember, VersionStatus
from tests.attacks.conftest import SEED_PROMPT

pytestmark = pytest.mark.django_db


@pytest.fixture
def adversarial(tiny_version: ClassifierVersion, rewriter) -> AdversarialExample:
    example = Example(
        prompt=SEED_PROMPT, completion="anna cut the dog .", batch="adv", source="manual", author=rewriter
    )
    example.save()
    submission = AttackSubmission.objects.create(
        example=example,
        source="manual",
        author=rewriter,
        classifier_version=tiny_version,
        score=0.1,
        threshold=tiny_version.threshold,
        status="verified",
    )
    adversarial = AdversarialExample.objects.create(
        example=example,
        submission=submission,
        classifier_version=tiny_version,
        score=0.1,
        source="manual",
        author=rewriter,
        round=tiny_version.name,
        confidence=1.0,
    )
    # Held out of training: the matrix is measured on held-out examples only.
    held_out = EvaluationSet.objects.create(name="heldout-manual", kind="adversarial", source="manual")
    EvaluationSetMember.objects.create(evaluation_set=held_out, example=example)
    return adversarial


def test_matrix_leaves_out_adversarial_examples_that_training_may_use(
    manager_client, adversarial, tiny_version, rewriter
):
    trainable = Example(
        prompt=SEED_PROMPT, completion="anna broke the cat .", batch="adv", source="manual", author=rewriter
    )
    trainable.save()
    submission = AttackSubmission.objects.create(
        example=trainable,
        source="manual",
        author=rewriter,
        classifier_version=tiny_version,
        score=0.1,
        threshold=tiny_version.threshold,
        status="verified",
    )
    AdversarialExample.objects.create(
        example=trainable,
        submission=submission,
        classifier_version=tiny_version,
        score=0.1,
        source="manual",
        author=rewriter,
        round=tiny_version.name,
        confidence=1.0,
    )
    refresh_adversarial_matrix()
    matrix = manager_client.get("/api/v1/attacks/matrix/").json()
    assert matrix["held_out_only"] is True
    assert [c["n"] for c in matrix["rows"][0]["cells"]] == [1]  # the held-out one, not both


def test_matrix_has_a_column_per_version_and_follows_thresholds(
    manager_client, adversarial, tiny_version, tiny_checkpoint
):
    newer = ClassifierVersion.objects.create(
        name="tiny-r1",
        artifact_uri=str(tiny_checkpoint),
        base_model="tiny-bert",
        status=VersionStatus.READY,
        threshold=0.0,
    )
    tiny_version.threshold = 1.0
    tiny_version.save(update_fields=["threshold"])
    assert refresh_adversarial_matrix() == 2
    assert refresh_adversarial_matrix() == 0  # idempotent
    matrix = manager_client.get("/api/v1/attacks/matrix/").json()
    assert matrix["columns"] == ["tiny-r0", "tiny-r1"]
    cells = {c["evaluated"]: c["still_passing"] for c in matrix["rows"][0]["cells"]}
    assert cells == {"tiny-r0": 1.0, "tiny-r1": 0.0}
    newer.threshold = 1.0
    newer.save(update_fields=["threshold"])
    assert refresh_adversarial_matrix() == 1
    cells = {
        c["evaluated"]: c["still_passing"]
        for c in manager_client.get("/api/v1/attacks/matrix/").json()["rows"][0]["cells"]
    }
    assert cells["tiny-r1"] == 1.0


def test_registry_filters(manager_client, adversarial, rewriter):
    listed = manager_client.get(
        "/api/v1/adversarial-examples/", {"round": "tiny-r0", "author": rewriter.pk}
    ).json()
    assert [row["id"] for row in listed["results"]] == [adversarial.pk]
    assert manager_client.get("/api/v1/adversarial-examples/", {"source": "paraphrase"}).json()["count"] == 0
    assert manager_client.get("/api/v1/adversarial-examples/", {"source": "nonsense"}).status_code == 400


def test_attack_report_command_prints_json_and_plots(adversarial, tmp_path: Path):
    out = StringIO()
    plot = tmp_path / "cost.png"
    call_command("attack_report", "--json", "--plot", str(plot), stdout=out)
    report = json.loads(out.getvalue())
    assert "groups" in report and "contractors" in report
    assert plot.stat().st_size > 1000
    table = StringIO()
    call_command("attack_report", stdout=table)
    assert "version" in table.getvalue()
