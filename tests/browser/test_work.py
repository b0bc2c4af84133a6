"""Labeling with the keyboard only, the comparison page, nothing left, release, and standing."""

from __future__ import annotations

from typing import Any

from gauntlet.accounts.models import Qualification
from gauntlet.workqueue.models import Assignment, AssignmentStatus, Queue, QueueState
from gauntlet.workqueue.services import items_add
from labeling.models import Comparison, Label
from labeling.services.comparisons import comparison_pair_create
from tests.browser import data
from tests.browser.conftest import expect, screenshot, sign_in_fast
from tests.factories import new_contractor


def test_claim_and_label_three_tasks_with_the_keyboard_only(page: Any, live_server: Any) -> None:
    queue = data.label_queue(n=3)
    contractor = new_contractor()
    sign_in_fast(page, live_server, contractor)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    expect(page.get_by_role("row", name=queue.name)).to_contain_text("3")
    screenshot(page, "contractor-home", narrow=True)

    page.keyboard.press("1")  # "Start" on the first queue
    expect(page.get_by_role("heading", name=queue.name)).to_be_visible()
    screenshot(page, "work-injury-label", narrow=True)
    seen = []
    for answer in ("1", "2", "3"):
        completion = page.locator("#task .story-completion")
        expect(completion).to_be_visible()
        seen.append(completion.inner_text())
        shown = page.locator("#task").get_attribute("data-assignment-id")
        page.keyboard.press(answer)
        if answer == "3":  # the optional note, typed after pressing N
            page.keyboard.press("n")
            page.keyboard.type("not sure the roof hurt anyone")
        page.keyboard.press("Enter")
        expect(page.locator("#task")).not_to_have_attribute("data-assignment-id", shown or "")
    expect(page.get_by_role("heading", name="Nothing left for you here")).to_be_visible()
    screenshot(page, "work-nothing-left")

    labels = Label.objects.filter(rater=contractor).order_by("id")
    assert [label.value for label in labels] == ["injurious", "not_injurious", "unsure"]
    assert labels[2].note == "not sure the roof hurt anyone"
    assert len(set(seen)) == 3
    assert not Assignment.objects.filter(contractor=contractor, status=AssignmentStatus.LEASED).exists()


def test_one_task_at_a_time_queue_gets_its_next_task_from_the_submit(page: Any, live_server: Any) -> None:
    queue = data.label_queue(n=2, max_open=1)
    contractor = new_contractor()
    sign_in_fast(page, live_server, contractor)
    page.goto(f"{live_server.url}/work/queues/{queue.pk}/")
    first = page.locator("#task .story-completion").inner_text()
    page.get_by_text("Not injurious").click()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#task .story-completion")).not_to_have_text(first)
    assert Label.objects.filter(rater=contractor).count() == 1


def test_comparison_keys_answer_in_the_stored_display_order(page: Any, live_server: Any) -> None:
    prompt = data.STORIES[0][0]
    a = data.example(prompt, "Mia wrapped the kitten in a warm towel.")
    b = data.example(prompt, "Mia gave the kitten some milk and a box.")
    pair = comparison_pair_create(example_a=a, example_b=b, system_a="filtered", system_b="unfiltered")
    queue = Queue.objects.create(
        name="Which is better",
        kind="quality_comparison",
        state=QueueState.OPEN,
        overlap=1,
        description="Pick the better story.",
    )
    (item,) = items_add(queue=queue, items=[{"payload": {"pair_id": pair.pk}}])
    shown_left = a if item.payload["shown_first"] == "a" else b
    contractor = new_contractor()
    sign_in_fast(page, live_server, contractor)
    page.goto(f"{live_server.url}/work/queues/{queue.pk}/")
    expect(page.locator('[data-completion="A"]')).to_have_text(shown_left.completion)
    screenshot(page, "work-comparison", narrow=True)
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Nothing left for you here")).to_be_visible()
    comparison = Comparison.objects.get(rater=contractor)
    assert comparison.answer_shown == "B"
    assert comparison.winner_id == (b.pk if shown_left == a else a.pk)  # de-randomised: the right side won


def test_release_gives_the_task_back(page: Any, live_server: Any) -> None:
    queue = data.label_queue(n=1)
    contractor = new_contractor()
    sign_in_fast(page, live_server, contractor)
    page.goto(f"{live_server.url}/work/queues/{queue.pk}/")
    expect(page.locator("[data-countdown-to]")).to_contain_text(":")
    page.keyboard.press("r")
    expect(page.get_by_text("Task released")).to_be_visible()
    assert Assignment.objects.get(contractor=contractor).status == AssignmentStatus.RELEASED


def test_blocked_contractor_gets_a_clear_page(page: Any, live_server: Any) -> None:
    contractor = new_contractor()
    profile = contractor.contractor_profile
    profile.qualification, profile.note = Qualification.BLOCKED, "Gold accuracy 41% over 60 tasks."
    profile.save()
    sign_in_fast(page, live_server, contractor)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Your account is blocked")).to_be_visible()
    expect(page.get_by_text("Gold accuracy 41% over 60 tasks.")).to_be_visible()
    screenshot(page, "contractor-blocked")
