"""A seed too long for the classifier (issue 12 item 2) is no dead end: the import allows 2,000
characters, more than the classifier's token limit, and such a seed cannot be scored, so no rewrite
session can open on it. The claim takes it off the queue and says why, instead of a 400 on every
claim while the contractor keeps a lease they can do nothing with."""

from __future__ import annotations

import pytest

from gauntlet.workqueue.models import Assignment, ItemState, WorkItem
from gauntlet.workqueue.services import items_add
from labeling.models import Example
from tests.attacks.conftest import SEED_PROMPT
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_seed_over_the_token_limit_leaves_the_queue_with_a_reason(rewrite_queue, tiny_version, rewriter):
    long_seed = Example(prompt=SEED_PROMPT, completion=" ".join(["anna hurt the dog ."] * 40), batch="long")
    long_seed.save()
    assert len(long_seed.completion) <= 2000
    items_add(queue=rewrite_queue, items=[{"payload": {"example_id": long_seed.pk}}])
    client = client_for(rewriter)
    response = client.post(f"/api/v1/queues/{rewrite_queue.pk}/claim/")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "seed_unscorable" and "tokens" in error["message"]
    item = WorkItem.objects.get(queue=rewrite_queue)
    assert item.state == ItemState.CANCELLED and item.active_leases == 0
    assert not Assignment.objects.filter(contractor=rewriter, status="leased").exists()
    again = client.post(f"/api/v1/queues/{rewrite_queue.pk}/claim/")
    assert again.status_code == 200 and again.json()["assignment"] is None


def test_an_edit_too_long_for_the_classifier_is_a_400_that_says_to_shorten_it(
    seeded_rewrite_queue, tiny_version, rewriter
) -> None:
    client = client_for(rewriter)
    claim = client.post(f"/api/v1/queues/{seeded_rewrite_queue.pk}/claim/").json()["assignment"]
    session_id = claim["task"]["session_id"]
    long_completion = " ".join(["anna hurt the dog ."] * 40)  # under 2,000 characters, over 48 tokens
    response = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": long_completion, "tool": "typed"},
        format="json",
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "text_too_long"
    assert error["message"].startswith("The completion is 200 tokens long") and "shorten" in error["message"]
