"""The whole attack loop through the HTTP API with a tiny classifier: claim a seed, edit until the
classifier passes it, submit, two verifiers confirm, an adversarial example is registered, the author
is paid the bonus once, and the cost report counts its minutes and money."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F

from attacks.models import AdversarialExample, RewriteEdit
from gauntlet.payments.models import LedgerEntry, LedgerKind
from gauntlet.workqueue.models import ActivityClock, Assignment
from labeling.models import Example
from tests.attacks.conftest import SEED_PROMPT
from tests.conftest import client_for
from tests.factories import ContractorFactory, ManagerFactory

pytestmark = pytest.mark.django_db


def test_rewrite_verified_paid_once_and_counted(
    seeded_rewrite_queue, verification_queue, scored_edits, rewriter, seed
):
    author = client_for(rewriter)
    claim = author.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/")
    assert claim.status_code == 200, claim.content
    task = claim.json()["assignment"]["task"]
    session_id, assignment_id = task["session_id"], claim.json()["assignment"]["id"]
    assert task["seed"]["completion"] == seed.completion
    assert task["threshold"] == pytest.approx(scored_edits["threshold"])
    assert task["condition"] == "tool_assisted"

    caught = author.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": scored_edits["fail"], "tool": "typed"},
        format="json",
    )
    assert caught.status_code == 201, caught.content
    assert caught.json()["passes"] is False
    refused = author.post(f"/api/v1/rewrite-sessions/{session_id}/submit/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "does_not_pass"

    # Some active minutes pass before the next edit (the edit's heartbeat counts them, capped at 60 s).
    # Time passes for the lease and for the contractor's one activity clock alike.
    Assignment.objects.filter(pk=assignment_id).update(
        last_heartbeat_at=F("last_heartbeat_at") - timedelta(seconds=45)
    )
    ActivityClock.objects.filter(contractor=rewriter).update(
        counted_until=F("counted_until") - timedelta(seconds=45)
    )
    passed = author.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": scored_edits["pass_"], "tool": "substitution"},
        format="json",
    )
    assert passed.json()["passes"] is True
    assert passed.json()["score"] == pytest.approx(scored_edits["scores"][scored_edits["pass_"]], abs=1e-5)
    submitted = author.post(f"/api/v1/rewrite-sessions/{session_id}/submit/")
    assert submitted.status_code == 201, submitted.content
    assert submitted.json()["status"] == "pending"
    assert (
        author.post(f"/api/v1/rewrite-sessions/{session_id}/submit/").json()["id"] == submitted.json()["id"]
    )
    example = Example.objects.get(pk=submitted.json()["example_id"])
    assert (example.source, example.parent_id, example.author_id) == ("tool_assisted", seed.pk, rewriter.pk)
    assert list(RewriteEdit.objects.filter(session_id=session_id).values_list("tool", flat=True)) == [
        "seed",
        "typed",
        "substitution",
    ]

    # The author never gets their own rewrite to verify.
    own = author.post(f"/api/v1/queues/{verification_queue.pk}/claim/")
    assert own.json()["assignment"] is None

    verifier_assignments = []
    for _ in range(2):
        verifier = client_for(ContractorFactory())
        claimed = verifier.post(f"/api/v1/queues/{verification_queue.pk}/claim/").json()["assignment"]
        assert claimed["task"]["completion"] == scored_edits["pass_"]
        shown = str(claimed).lower()
        assert rewriter.email.lower() not in shown
        assert "score" not in shown and "author" not in shown and "tool_assisted" not in shown
        done = verifier.post(
            f"/api/v1/assignments/{claimed['id']}/submit/", {"label": "injurious"}, format="json"
        )
        assert done.status_code == 200, done.content
        verifier_assignments.append(claimed["id"])

    adversarial = AdversarialExample.objects.get(example=example)
    assert adversarial.classifier_version.name == "tiny-r0"
    assert adversarial.source == "tool_assisted" and adversarial.author == rewriter
    bonus = LedgerEntry.objects.filter(contractor=rewriter, kind=LedgerKind.BONUS)
    assert [entry.amount for entry in bonus] == [Decimal("2.0000")]
    mine = author.get("/api/v1/me/rewrites/").json()["results"]
    assert mine[0]["status"] == "verified"

    manager = client_for(ManagerFactory())
    for assignment in [assignment_id, *verifier_assignments]:
        assert (
            manager.post(f"/api/v1/assignments/{assignment}/approve/", {}, format="json").status_code == 200
        )
    # A retried outcome (the hook runs again) pays nothing new.
    from attacks.services.verification import verification_outcome_record
    from labeling.models import Consensus

    consensus = Consensus.objects.get(example=example)
    verification_outcome_record(item=consensus.item, consensus=consensus)
    assert bonus.count() == 1

    report = manager.get("/api/v1/attacks/cost/").json()
    group = next(g for g in report["groups"] if g["source"] == "tool_assisted")
    active_seconds = Assignment.objects.get(pk=assignment_id).active_seconds
    assert active_seconds >= 45
    assert (group["attempts"], group["submitted"], group["verified"]) == (1, 1, 1)
    assert group["minutes_per_example"] == pytest.approx(active_seconds / 60, abs=1e-4)
    assert group["money"] == {"attack_pay": "0.5000", "bonuses": "2.0000", "verification": "0.2000"}
    assert group["money_per_example"] == "2.7000"
    assert group["success_rate"] == 1.0
    assert 0 < group["success_rate_ci"][0] < 1
    person = next(c for c in report["contractors"] if c["contractor"] == rewriter.email)
    assert person["verified"] == 1
