"""The manager's adjudication page: a tied item is listed, and the manager's answer decides it."""

from __future__ import annotations

import pytest
from django.test import Client

from labeling.models import Consensus
from tests.factories import new_contractor, new_manager
from tests.labeling.conftest import add_examples, label_item, make_example, make_queue

pytestmark = pytest.mark.django_db


def test_a_tied_item_is_adjudicated_from_the_page() -> None:
    manager = new_manager()
    queue = make_queue(manager, overlap=2)
    (item,) = add_examples(queue, [make_example(1)])
    label_item(queue, item, ["injurious", "not_injurious"])  # a tie at the cap: undecided
    client = Client()
    client.force_login(manager)
    page = client.get(f"/manage/queues/{queue.pk}/adjudication/").content.decode()
    assert "1 item the raters could not decide" in page and "injurious 1 · not injurious 1" in page
    consensus = Consensus.objects.get(item=item)
    response = client.post(f"/manage/adjudications/{consensus.pk}/decide/", {"label": "injurious"})
    assert response.status_code == 302
    consensus.refresh_from_db()
    assert (consensus.label, consensus.decided, consensus.method) == ("injurious", True, "adjudicated")
    assert "Nothing to adjudicate" in client.get(f"/manage/queues/{queue.pk}/adjudication/").content.decode()
    contractor = Client()
    contractor.force_login(new_contractor())
    assert contractor.get(f"/manage/queues/{queue.pk}/adjudication/").status_code == 403
