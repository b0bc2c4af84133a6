"""A double-click opening a rewrite session is one session, not a 500 (issue 12 item 13)."""

from __future__ import annotations

import pytest

from attacks.models import RewriteSession
from tests.conftest import client_for
from tests.services import run_in_threads


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_opens_are_one_session(seeded_rewrite_queue, tiny_version, rewriter) -> None:  # type: ignore[no-untyped-def]
    def open_session() -> tuple[int, int]:
        response = client_for(rewriter).post(
            "/api/v1/rewrite-sessions/", {"queue": seeded_rewrite_queue.pk}, format="json"
        )
        return response.status_code, response.json().get("id", 0)

    outcomes = run_in_threads([open_session, open_session, open_session])
    assert {status for status, _ in outcomes} == {201}, outcomes
    assert len({session_id for _, session_id in outcomes}) == 1
    assert RewriteSession.objects.count() == 1
