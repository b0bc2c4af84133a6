"""Training: a consensus snapshot becomes a new version with its validation AUC recorded."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from labeling.models import Consensus
from ml_worker.models import ClassifierVersion, RunStatus, TrainingRun, VersionStatus
from tests.ml_worker.factories import labelled_examples

pytestmark = pytest.mark.django_db

TINY_CONFIG = {
    "epochs": 3,
    "lr": 3e-3,
    "batch_size": 16,
    "max_length": 48,
    "device": "cpu",
    "seed": 0,
    "early_stopping_patience": None,
    "checkpoint_every": 1000,
}


def test_manager_trains_a_version_on_the_consensus_labels_and_its_auc_is_recorded(
    manager_client, tiny_version, django_capture_on_commit_callbacks
) -> None:
    examples = labelled_examples(120, seed=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/api/v1/training-runs/",
            {"from_version": tiny_version.pk, "name": "v2", "config": TINY_CONFIG},
            format="json",
        )
    assert response.status_code == 201, response.json()
    run = manager_client.get(f"/api/v1/training-runs/{response.json()['id']}/").json()
    assert run["status"] == "succeeded", run["error"]
    assert len(run["metrics_history"]) == 3
    version = ClassifierVersion.objects.get(name="v2")
    assert version.status == VersionStatus.READY  # not promoted unless asked
    assert version.parent == tiny_version
    assert version.metrics["val_auc"] > 0.8  # the toy task is separable
    assert version.metrics["val_recall"] is not None
    snapshot = version.data_snapshot
    assert sorted(i for i, _ in snapshot["examples"]) == [e.pk for e in examples]
    assert snapshot["counts"]["total"] == 120 and len(version.data_hash) == 64
    # The stored artifact is a loadable classifier.
    detail = manager_client.get(f"/api/v1/classifiers/{version.pk}/").json()
    assert detail["data_counts"]["total"] == 120
    assert manager_client.post(f"/api/v1/classifiers/{version.pk}/promote/").status_code == 200


def test_training_without_enough_labels_is_refused(manager_client, tiny_version) -> None:
    labelled_examples(3, seed=2, injurious_fraction=0.0)
    response = manager_client.post("/api/v1/training-runs/", {"config": TINY_CONFIG}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_enough_data"
    assert not TrainingRun.objects.exists()


def test_unknown_training_option_is_a_400(manager_client, tiny_version) -> None:
    labelled_examples(10, seed=3)
    response = manager_client.post("/api/v1/training-runs/", {"config": {"epoch": 3}}, format="json")
    assert response.status_code == 400
    assert "epoch" in response.json()["error"]["message"]


def test_a_run_on_some_queues_trains_on_their_consensus_only(manager_client, tiny_version) -> None:
    """A shared database (the demo's data beside a simulation's, two projects) trains on what it is told."""
    ours, theirs = labelled_examples(12, seed=4), labelled_examples(12, seed=5)
    queue_id = Consensus.objects.get(example=ours[0]).queue_id
    response = manager_client.post(
        "/api/v1/training-runs/",
        {"config": {**TINY_CONFIG, "queues": [queue_id]}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    snapshot = TrainingRun.objects.get(pk=response.json()["id"]).version.data_snapshot
    assert sorted(i for i, _ in snapshot["examples"]) == sorted(e.pk for e in ours)
    assert snapshot["queues"] == [queue_id] and not {e.pk for e in theirs} & {
        i for i, _ in snapshot["examples"]
    }
    for bad, says in (([], "non-empty list"), ("3", "non-empty list"), ([queue_id, 999_999], "999999")):
        refused = manager_client.post(
            "/api/v1/training-runs/", {"config": {**TINY_CONFIG, "queues": bad}}, format="json"
        )
        assert refused.status_code == 400 and says in refused.json()["error"]["message"], refused.json()
    assert TrainingRun.objects.count() == 1  # nothing half made by the refused ones


def test_contractors_cannot_train(contractor_client, tiny_version) -> None:
    assert contractor_client.post("/api/v1/training-runs/", {}, format="json").status_code == 403


def test_train_classifier_command_trains_and_promotes(tiny_version, capsys) -> None:
    labelled_examples(80, seed=4)
    call_command(
        "train_classifier",
        "--from-version",
        str(tiny_version.pk),
        "--epochs",
        "2",
        "--lr",
        "3e-3",
        "--max-length",
        "48",
        "--name",
        "cmd",
        "--source-weight",
        "tool_assisted=2",
        "--json",
    )
    version = ClassifierVersion.objects.get(name="cmd")
    assert version.status == VersionStatus.ACTIVE
    assert version.train_config["source_weights"] == {"tool_assisted": 2.0}
    assert version.training_run.status == RunStatus.SUCCEEDED
    assert '"val_auc"' in capsys.readouterr().out


def test_a_run_that_reuses_an_old_run_id_trains_afresh(
    manager_client, tiny_version, django_capture_on_commit_callbacks
) -> None:
    """Ids restart when the database is recreated while var/models and the bucket stay:
    a new run must not be pointed at the old run's checkpoint."""
    labelled_examples(120, seed=1)
    ids = []
    for name, seed in (("first", 0), ("second", 1)):  # a different run: another seed
        config = {**TINY_CONFIG, "epochs": 1, "seed": seed}
        with django_capture_on_commit_callbacks(execute=True):
            response = manager_client.post(
                "/api/v1/training-runs/",
                {"from_version": tiny_version.pk, "name": name, "config": config},
                format="json",
            )
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
        run = TrainingRun.objects.get(pk=ids[-1])
        assert run.status == RunStatus.SUCCEEDED, run.error
        if name == "first":  # recreate the database's idea of ids: the next run gets the same id
            TrainingRun.objects.filter(pk=run.pk).update(id=run.pk + 1000)
            ClassifierVersion.objects.filter(name="first").update(name="first-moved")
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('ml_worker_trainingrun', 'id'), %s, false)",
                    [run.pk],
                )
    assert ids[0] == ids[1]
