"""Automated attack batches: the greedy word-importance attack's candidates reach blind verification, and
verified ones appear in the registry and the cost report under their own source."""

from __future__ import annotations

import pytest

from attacks.models import AdversarialExample, AttackBatch, CandidateStatus, SubmissionStatus
from attacks.reports import cost_per_adversarial_example
from attacks.services.word_attack import attack_batch_create, attack_batch_run
from gauntlet.errors import Invalid
from gauntlet.workqueue.models import WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_submit
from labeling.models import Example, Source
from ml_worker import runtime
from ml_worker.core.word_attack import AttackConfig, greedy_word_attack
from tests.attacks.conftest import SEED_PROMPT
from tests.factories import new_contractor

pytestmark = pytest.mark.django_db

SOURCES = ["anna hurt the dog quietly .", "tom cut his friend .", "max burned the cat and the bird ."]


@pytest.fixture
def sources(db: None) -> list[Example]:
    rows = []
    for index, completion in enumerate(SOURCES):
        example = Example(
            prompt=SEED_PROMPT, completion=completion, batch=f"src-{index}", imported_label="injurious"
        )
        example.save()
        rows.append(example)
    return rows


def test_the_attack_lowers_the_score_within_its_query_budget_and_similarity(tiny_version) -> None:  # type: ignore[no-untyped-def]
    clf = runtime.classifier_for(tiny_version)
    config = AttackConfig(query_budget=60, max_changes=3, min_similarity=0.8, candidates_per_word=8)
    result = greedy_word_attack(clf, SEED_PROMPT, SOURCES[0], threshold=0.0, config=config)
    assert 1 < result.queries <= 60
    assert result.score <= result.original_score and not result.succeeded  # threshold 0: never passes
    assert result.similarity >= 0.8 and len(result.steps) <= 3
    if result.steps:
        assert result.completion != SOURCES[0]
        assert result.score == pytest.approx(
            float(clf.score([(SEED_PROMPT, result.completion)])[0]), abs=1e-5
        )


def test_a_batch_sends_what_passes_to_blind_verification_and_verified_ones_are_costed_as_word_attack(  # type: ignore[no-untyped-def]
    manager_client, tiny_version, verification_queue, sources, django_capture_on_commit_callbacks
):
    clf = runtime.classifier_for(tiny_version)
    config = AttackConfig(query_budget=80, max_changes=4, min_similarity=0.8, candidates_per_word=12)
    # A tiny random model's scores are nearly flat: put the threshold halfway down the largest drop the
    # attack can make on one source, so that source passes (deterministic: the attack has no randomness).
    runs = [greedy_word_attack(clf, SEED_PROMPT, c, threshold=0.0, config=config) for c in SOURCES]
    best = max(runs, key=lambda r: r.original_score - r.score)
    assert best.score < best.original_score
    tiny_version.threshold = (best.score + best.original_score) / 2
    tiny_version.save(update_fields=["threshold"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = manager_client.post(
            "/api/v1/attack-batches/",
            {"sources": "injurious", "query_budget": 80, "verification_queue": verification_queue.pk},
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert len(callbacks) == 1  # the gpu task is sent after commit
    batch = AttackBatch.objects.get(pk=response.json()["id"])
    assert batch.paraphraser == "word_attack" and batch.sources == [s.pk for s in sources]
    counts = attack_batch_run(batch=batch)
    assert counts["attempted"] == 3 and counts["candidates"] >= 1
    assert counts["queries_per_candidate"] is not None and counts["queries"] <= 3 * 80

    passed = batch.candidates.filter(status=CandidateStatus.PASSED).select_related("submission__example")
    for candidate in passed:
        submission = candidate.submission
        assert submission is not None
        assert submission.source == "word_attack" and submission.author is None
        assert submission.status == SubmissionStatus.PENDING  # never trusted automatically
        assert submission.example.source == Source.WORD_ATTACK
        assert submission.example.parent_id == candidate.source_id
        assert submission.score < tiny_version.threshold
        assert WorkItem.objects.filter(
            queue=verification_queue, payload__example_id=submission.example_id
        ).exists()
    # Running again attempts nothing new.
    assert attack_batch_run(batch=AttackBatch.objects.get(pk=batch.pk))["attempted"] == 3

    # Two blind verifiers judge the first candidate injurious: an adversarial example of its own source.
    first = passed.first()
    assert first is not None
    for _ in range(verification_queue.overlap):
        verifier = new_contractor()
        assignment = assignment_claim(queue=verification_queue, contractor=verifier)
        assert assignment is not None
        assert "score" not in str(assignment.item.payload)  # verifiers never see the classifier's score
        assignment_submit(assignment=assignment, contractor=verifier, data={"label": "injurious"})
    adversarial = AdversarialExample.objects.get(submission=first.submission)
    assert adversarial.source == "word_attack" and adversarial.author is None
    groups = {g["source"]: g for g in cost_per_adversarial_example()["groups"]}
    assert groups["word_attack"]["verified"] == 1 and groups["word_attack"]["attempts"] == 3
    detail = manager_client.get(f"/api/v1/attack-batches/{batch.pk}/").json()
    assert detail["counts"]["verified_adversarial"] == 1
    listed = manager_client.get("/api/v1/adversarial-examples/", {"source": "word_attack"}).json()
    assert listed["count"] == 1


def test_bad_attack_settings_are_refused_with_a_message(
    manager_client, tiny_version, verification_queue, sources
):  # type: ignore[no-untyped-def]
    response = manager_client.post(
        "/api/v1/attack-batches/",
        {"sources": "injurious", "query_budget": 5, "verification_queue": verification_queue.pk},
        format="json",
    )
    assert response.status_code == 400 and "query_budget" in response.json()["error"]["message"]
    with pytest.raises(Invalid, match="verification"):
        attack_batch_create(created_by=None, verification_queue=_not_verification(), selection="injurious")
    assert not AttackBatch.objects.exists()  # nothing half written


def _not_verification():  # type: ignore[no-untyped-def]
    from gauntlet.workqueue.models import Queue, QueueState

    return Queue.objects.create(name="labels", kind="injury_label", state=QueueState.OPEN, overlap=1)


def test_a_batch_stopped_at_its_time_limit_ends_failed_saying_how_far_it_got(  # type: ignore[no-untyped-def]
    tiny_version, verification_queue, sources, monkeypatch
):
    """Celery raises SoftTimeLimitExceeded inside the running attack (here: as the third source starts);
    the batch ends failed, saying it stopped at the limit after 2 of 3 sources whose candidates stay."""
    from celery.exceptions import SoftTimeLimitExceeded

    import ml_worker.core.word_attack as word_attack_core
    from attacks.tasks import run_attack_batch

    real_attack, calls = word_attack_core.greedy_word_attack, []

    def attack_until_the_limit(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise SoftTimeLimitExceeded()
        return real_attack(*args, **kwargs)

    monkeypatch.setattr(word_attack_core, "greedy_word_attack", attack_until_the_limit)
    batch = attack_batch_create(
        created_by=None, verification_queue=verification_queue, selection="injurious", enqueue=False
    )
    with pytest.raises(SoftTimeLimitExceeded):
        run_attack_batch.apply(args=[batch.pk], throw=True)
    batch.refresh_from_db()
    assert batch.status == "failed" and batch.finished_at is not None
    assert "time limit" in batch.error and "2 of 3 sources" in batch.error, batch.error
    assert batch.candidates.count() == 2
