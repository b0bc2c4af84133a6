"""The contractor pages answer bad input with a 4xx and a message, never a 500 (no browser needed)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.browser import data
from tests.factories import ManagerFactory, new_contractor

pytestmark = pytest.mark.django_db


def _client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_a_bad_answer_is_a_400_with_the_reason_and_nothing_is_stored() -> None:
    queue = data.label_queue(n=1)
    contractor = new_contractor()
    client = _client_for(contractor)
    page = client.get(f"/work/queues/{queue.pk}/")
    assert page.status_code == 200
    assignment = page.context["assignment"]
    answer = client.post(
        f"/work/assignments/{assignment.pk}/submit/",
        {"label": "maybe"},
        headers={"X-Requested-With": "fetch"},
    )
    assert answer.status_code == 400
    assert "label must be one of" in answer.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == "leased"


def test_someone_elses_assignment_is_a_404() -> None:
    queue = data.label_queue(n=1)
    owner, other = new_contractor(), new_contractor()
    assignment = _client_for(owner).get(f"/work/queues/{queue.pk}/").context["assignment"]
    answer = _client_for(other).post(
        f"/work/assignments/{assignment.pk}/submit/",
        {"label": "injurious"},
        headers={"X-Requested-With": "fetch"},
    )
    assert answer.status_code == 404


def test_contractor_pages_refuse_a_manager_with_a_403_page_and_anonymous_goes_to_sign_in() -> None:
    assert _client_for(ManagerFactory()).get("/work/").status_code == 403
    anonymous = Client().get("/work/earnings/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


def test_an_unknown_queue_is_a_404_page() -> None:
    assert _client_for(new_contractor()).get("/work/queues/999999/").status_code == 404
