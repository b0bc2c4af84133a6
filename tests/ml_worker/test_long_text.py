"""Long text (issue 12 item 2): a completion over the classifier's token limit is refused, never cut, and
it breaks nothing: the scorer records it as unscorable once (the manager sees why) and never retries
it, and training leaves it out and says so."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from labeling.models import Consensus, InjuryLabel
from ml_worker import runtime, tasks
from ml_worker.models import ClassifierVersion, RunStatus, Score, Unscorable
from tests.ml_worker.factories import _item, example_create, labelled_examples
from tests.ml_worker.test_training import TINY_CONFIG

pytestmark = pytest.mark.django_db

# Within the import limit (2,000 characters) but far over the tests' 48 tokens.
LONG_COMPLETION = " ".join(["max hurt the cat ."] * 60)


def test_an_over_long_completion_is_recorded_unscorable_once_and_never_retried(
    tiny_version, manager, manager_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = example_create("anna went to the river .", "max smiled .")
    long = example_create("anna went to the river .", LONG_COMPLETION)
    assert len(long.completion) <= 2000
    assert tasks.score_unscored.delay().get() == 1
    assert Score.objects.filter(classifier_version=tiny_version).get().example == short
    refusal = Unscorable.objects.get(example=long, classifier_version=tiny_version)
    assert "tokens" in refusal.reason and "48" in refusal.reason

    def no_model(version: object) -> object:
        raise AssertionError("the scorer retried a text it already knows it cannot score")

    monkeypatch.setattr(runtime, "classifier_for", no_model)
    assert tasks.score_unscored.delay().get() == 0
    assert tasks.score_examples.delay([long.pk], tiny_version.pk).get() == 0
    assert Unscorable.objects.count() == 1

    rows = {row["id"]: row for row in manager_client.get("/api/v1/examples/").json()["results"]}
    assert rows[long.pk]["unscorable"] == refusal.reason
    assert rows[short.pk]["unscorable"] is None
    page = Client()
    page.force_login(manager)
    listing = page.get("/manage/data/examples/").content.decode()
    assert "Unscorable" in listing and escape(refusal.reason) in listing  # the reason, on the page


def test_training_leaves_out_an_over_long_completion_and_says_so(
    manager_client, tiny_version, django_capture_on_commit_callbacks
) -> None:
    labelled_examples(60, seed=1)
    long = example_create("tom went to the park .", LONG_COMPLETION)
    queue = Consensus.objects.first().queue  # type: ignore[union-attr]
    Consensus.objects.create(
        example=long,
        queue=queue,
        item=_item(queue),
        decided=True,
        final=True,
        label=InjuryLabel.INJURIOUS,
        method="majority",
        confidence=1.0,
        agreement=1.0,
        n_labels=3,
        computed_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/api/v1/training-runs/",
            {"from_version": tiny_version.pk, "name": "long", "config": {**TINY_CONFIG, "epochs": 1}},
            format="json",
        )
    assert response.status_code == 201, response.json()
    run = manager_client.get(f"/api/v1/training-runs/{response.json()['id']}/").json()
    assert run["status"] == RunStatus.SUCCEEDED, run["error"]
    version = ClassifierVersion.objects.get(name="long")
    assert version.data_snapshot["excluded_too_long"] == [long.pk]
    assert version.metrics["excluded_too_long"] == 1
    assert version.metrics["train_examples"] + version.metrics["val_examples"] == 60
