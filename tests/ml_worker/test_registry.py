"""The classifier registry: exactly one active version, promotion by managers, thresholds, comparison."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ml_worker.models import ClassifierVersion, EvaluationSet, EvaluationSetMember, Score, VersionStatus
from tests.ml_worker.factories import example_create, labelled_examples

pytestmark = pytest.mark.django_db


def _ready(name: str, artifact: str, **metrics: float) -> ClassifierVersion:
    return ClassifierVersion.objects.create(
        name=name,
        artifact_uri=artifact,
        base_model="tiny",
        status=VersionStatus.READY,
        threshold=0.5,
        metrics=metrics,
    )


def test_database_refuses_a_second_active_version(tiny_version: ClassifierVersion) -> None:
    other = _ready("other", tiny_version.artifact_uri)
    other.status = VersionStatus.ACTIVE
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()


def test_manager_promotes_a_version_and_the_old_one_retires_and_every_example_is_rescored(
    manager_client, tiny_version, django_capture_on_commit_callbacks
) -> None:
    examples = [example_create(f"tom went to the park {i} .", "anna hurt the dog .") for i in range(3)]
    new = _ready("new", tiny_version.artifact_uri)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(f"/api/v1/classifiers/{new.pk}/promote/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    assert list(ClassifierVersion.objects.filter(status="active").values_list("name", flat=True)) == ["new"]
    tiny_version.refresh_from_db()
    assert tiny_version.status == VersionStatus.RETIRED
    # The promotion queued a re-score (eager here): every example has a score from the new version.
    assert Score.objects.filter(classifier_version=new).count() == len(examples)


def test_contractor_cannot_promote(contractor_client, tiny_version) -> None:
    new = _ready("new", tiny_version.artifact_uri)
    response = contractor_client.post(f"/api/v1/classifiers/{new.pk}/promote/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert ClassifierVersion.objects.get(status="active").name == "tiny"


def test_a_failed_version_cannot_be_promoted(manager_client, tiny_version) -> None:
    failed = ClassifierVersion.objects.create(
        name="broken", base_model="tiny", status="failed", threshold=0.5
    )
    response = manager_client.post(f"/api/v1/classifiers/{failed.pk}/promote/")
    assert response.status_code == 409
    assert "failed" in response.json()["error"]["message"]


def test_unknown_version_is_404(manager_client, db) -> None:
    assert manager_client.post("/api/v1/classifiers/999999/promote/").status_code == 404
    assert manager_client.get("/api/v1/classifiers/999999/").json()["error"]["code"] == "not_found"


def test_threshold_is_set_per_version_and_validated(manager_client, tiny_version) -> None:
    response = manager_client.post(f"/api/v1/classifiers/{tiny_version.pk}/threshold/", {"threshold": 0.02})
    assert response.status_code == 200
    assert response.json()["threshold"] == 0.02
    bad = manager_client.post(f"/api/v1/classifiers/{tiny_version.pk}/threshold/", {"threshold": 1.5})
    assert bad.status_code == 400


def test_list_and_compare_show_held_out_metrics_side_by_side(manager_client, tiny_version) -> None:
    a = _ready("a", tiny_version.artifact_uri, val_auc=0.8)
    b = _ready("b", tiny_version.artifact_uri, val_auc=0.99)
    listing = manager_client.get("/api/v1/classifiers/").json()
    assert {"a", "b", "tiny"} <= {v["name"] for v in listing["results"]}
    # Four held-out test examples both versions scored, and one only b scored (left out of both).
    examples = labelled_examples(5, seed=3, injurious_fraction=0.5)
    test_set = EvaluationSet.objects.create(name="test", kind="in_distribution")
    for example in examples:
        EvaluationSetMember.objects.create(evaluation_set=test_set, example=example)
    injurious = [int(e.consensus.get().label == "injurious") for e in examples]
    for example, y in zip(examples[:4], injurious[:4], strict=True):
        Score.objects.create(
            example=example, classifier_version=a, content_hash="x", probability=0.4 + 0.2 * y
        )
        Score.objects.create(example=example, classifier_version=b, content_hash="x", probability=0.9 * y)
    Score.objects.create(example=examples[4], classifier_version=b, content_hash="x", probability=0.1)
    compared = manager_client.get(f"/api/v1/classifiers/compare/?a={a.pk}&b={b.pk}").json()
    assert compared["basis"].startswith("held-out evaluation sets only")
    assert compared["n_test"] == 4 and compared["unscored"] == 1
    assert "val_auc" not in compared["metrics"]  # each version's own validation split is not comparable
    recall = compared["metrics"]["test_recall"]
    assert recall["a"] == pytest.approx(1.0) and recall["b"] == pytest.approx(1.0)
    fpr = compared["metrics"]["test_false_positive_rate"]
    assert fpr["a"] == pytest.approx(0.0) and fpr["b"] == pytest.approx(0.0)
    assert manager_client.get("/api/v1/classifiers/compare/?a=x&b=1").status_code == 400


def test_bootstrap_registers_the_bundled_minilm_once_and_promotes_it(db) -> None:
    from ml_worker.services.registry import BASELINE_NAME, classifier_bootstrap

    first = classifier_bootstrap()
    again = classifier_bootstrap()
    assert first.pk == again.pk
    assert first.name == BASELINE_NAME and again.status == VersionStatus.ACTIVE
    assert first.artifact_uri.startswith("file://")
