"""A manager edits a queue in Chromium: the pay changes and shows; a bad kind setting is named
next to the field. Screenshots in ``var/screenshots/manager-queue-edit*.png``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gauntlet.audit.actions import AuditAction
from gauntlet.audit.models import AuditRecord
from gauntlet.workqueue.models import Queue
from gauntlet.workqueue.services import queue_create
from tests.browser.conftest import expect, screenshot, sign_in_fast
from tests.factories import new_manager


def test_a_manager_edits_a_queues_pay_and_a_bad_kind_setting_is_shown_at_its_field(
    page: Any, live_server: Any
) -> None:
    manager = new_manager()
    queue = queue_create(
        created_by=manager,
        name="Rewrites, round 2",
        kind="rewrite",
        pay_per_task=Decimal("0.30"),
        kind_settings={"condition": "tool_assisted"},
    )
    sign_in_fast(page, live_server, manager)
    page.goto(f"/manage/queues/{queue.pk}/")
    page.get_by_role("link", name="Edit settings").click()
    expect(page.get_by_role("heading", name="Edit queue “Rewrites, round 2”")).to_be_visible()
    expect(page.get_by_label("Pay per task")).to_have_value("0.3000")
    expect(page.get_by_label("Kind settings (JSON)")).to_have_value('{"condition": "tool_assisted"}')

    page.get_by_label("Pay per task").fill("0.45")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Queue “Rewrites, round 2” saved.")).to_be_visible()
    expect(page.get_by_text("0.4500 USD")).to_be_visible()
    assert Queue.objects.get(pk=queue.pk).pay_per_task == Decimal("0.45")
    assert AuditRecord.objects.get(subject_id=queue.pk, action=AuditAction.QUEUE_PAY).actor_id == manager.pk
    screenshot(page, "manager-queue-edit-saved")

    page.get_by_role("link", name="Edit settings").click()
    page.get_by_label("Pay per task").fill("0.99")
    page.get_by_label("Kind settings (JSON)").fill('{"condition": "telepathy"}')
    page.get_by_role("button", name="Save changes").click()
    settings_field = page.locator("#id_kind_settings").locator("xpath=..")
    expect(settings_field).to_contain_text("condition: One of")
    expect(page.get_by_label("Kind settings (JSON)")).to_have_value('{"condition": "telepathy"}')
    screenshot(page, "manager-queue-edit-error", narrow=True)
    assert Queue.objects.get(pk=queue.pk).pay_per_task == Decimal("0.45")  # nothing saved
