"""The reliability page of a classifier version: managers only, proposals refused with a reason."""

from __future__ import annotations

import pytest
from django.test import Client

from ml_worker.models import ClassifierVersion, ThresholdDecision
from tests.factories import new_contractor

pytestmark = pytest.mark.django_db


def test_manager_sees_the_page_and_a_contractor_is_refused(manager, tiny_version: ClassifierVersion) -> None:
    browser = Client()
    browser.force_login(manager)
    page = browser.get(f"/manage/classifiers/{tiny_version.pk}/reliability/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Reliability of {tiny_version.name}" in text and "No sweep yet" in text
    classifier = browser.get(f"/manage/classifiers/{tiny_version.pk}/").content.decode()
    assert (
        f"/manage/classifiers/{tiny_version.pk}/reliability/" in classifier
    )  # linked from the classifier page
    assert browser.get(f"/manage/classifiers/{tiny_version.pk}/reliability/win_rate.png").status_code == 404
    refused = browser.post(
        f"/manage/classifiers/{tiny_version.pk}/reliability/propose/",
        {"max_win_rate_upper": "0.55", "min_pairs": "20"},
        follow=True,
    )
    assert "no quality comparison has been judged yet" in refused.content.decode()
    assert not ThresholdDecision.objects.exists()
    other = Client()
    other.force_login(new_contractor())
    assert other.get(f"/manage/classifiers/{tiny_version.pk}/reliability/").status_code == 403
