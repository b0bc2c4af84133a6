"""Every Gauntlet model has an admin page a manager can use."""

import pytest
from django.apps import apps
from django.contrib import admin

from tests.conftest import client_for

GAUNTLET_APPS = {"accounts", "workqueue", "payments", "labeling", "ml_worker", "attacks"}


def test_every_gauntlet_model_is_registered_in_the_admin() -> None:
    missing = [
        f"{model._meta.app_label}.{model.__name__}"
        for model in apps.get_models()
        if model._meta.app_label in GAUNTLET_APPS and model not in admin.site._registry
    ]
    assert missing == []


@pytest.mark.django_db
def test_a_manager_can_open_every_changelist(manager) -> None:
    client = client_for(manager)
    client.force_login(manager)
    for model in admin.site._registry:
        if model._meta.app_label not in GAUNTLET_APPS:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_a_contractor_cannot_open_the_admin(contractor) -> None:
    client = client_for(contractor)
    client.force_login(contractor)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
