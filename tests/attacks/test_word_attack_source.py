"""Word-attack candidates are examples of their own source (``word_attack``, not ``paraphrase``): listed
and costed under it once verified, and never picked again as injurious seeds to attack."""

from __future__ import annotations

import pytest

from attacks.models import AdversarialExample, AttackSource, CandidateStatus, ParaphraseCandidate
from attacks.reports import cost_per_adversarial_example
from attacks.services.paraphrase import paraphrase_sources_select
from attacks.services.verification_items import automatic_candidate_verify
from attacks.services.word_attack import attack_batch_create
from gauntlet.workqueue.services import assignment_claim, assignment_submit
from labeling.models import Example, Source
from tests.attacks.conftest import SEED_PROMPT
from tests.factories import new_contractor

pytestmark = pytest.mark.django_db


def test_a_verified_word_attack_candidate_is_a_word_attack_example_in_the_registry_and_the_cost_report(  # type: ignore[no-untyped-def]
    tiny_version, verification_queue
) -> None:
    seed = Example(
        prompt=SEED_PROMPT, completion="tom cut his friend .", batch="src", imported_label="injurious"
    )
    seed.save()
    batch = attack_batch_create(
        created_by=None,
        verification_queue=verification_queue,
        selection="examples",
        example_ids=[seed.pk],
        enqueue=False,
    )
    submission = automatic_candidate_verify(
        batch=batch,
        source=seed,
        completion="tom nicked his friend .",
        score=0.1,
        attack_source=AttackSource.WORD_ATTACK,
    )
    ParaphraseCandidate.objects.create(  # the attempt row the batch run writes with it
        batch=batch,
        source=seed,
        prompt=seed.prompt,
        completion=submission.example.completion,
        score=0.1,
        status=CandidateStatus.PASSED,
        queries=5,
        submission=submission,
    )
    example = submission.example
    assert example.source == Source.WORD_ATTACK and example.author is None and example.parent_id == seed.pk
    assert example.batch == f"word_attack:{batch.pk}"
    assert paraphrase_sources_select(selection="injurious") == [seed.pk]  # never a seed itself

    for _ in range(verification_queue.overlap):
        verifier = new_contractor()
        assignment = assignment_claim(queue=verification_queue, contractor=verifier)
        assert assignment is not None
        assignment_submit(assignment=assignment, contractor=verifier, data={"label": "injurious"})
    adversarial = AdversarialExample.objects.get(submission=submission)
    assert adversarial.source == AttackSource.WORD_ATTACK
    group = next(g for g in cost_per_adversarial_example()["groups"] if g["source"] == "word_attack")
    assert group["verified"] == 1
