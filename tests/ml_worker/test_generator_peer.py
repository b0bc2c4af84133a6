"""An HTTP completion generator is an external peer, like the paraphraser (issue 12 item 13): a
manager's base URL must be on GAUNTLET_GENERATOR_HTTP_ALLOWED_HOSTS (else a 400 naming it), so
GAUNTLET_GENERATOR_API_KEY and the stories go to an allowed host only."""

from __future__ import annotations

import pytest

from ml_worker.reliability.models import GenerationBatch

pytestmark = pytest.mark.django_db


def test_a_generator_url_off_the_allow_list_is_a_400(manager_client, settings) -> None:
    settings.GAUNTLET_GENERATOR_HTTP_ALLOWED_HOSTS = ["gen.internal:8000"]
    body = {"name": "g", "generator": "http", "n_prompts": 2, "samples_per_prompt": 1}
    for url in ("http://attacker.example/v1", "http://gen.internal/v1", "http://gen.internal:9000/v1"):
        response = manager_client.post(
            "/api/v1/generation-batches/",
            {**body, "generator_settings": {"base_url": url, "model": "m"}},
            format="json",
        )
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["code"] == "generator_not_allowed"
        assert "GAUNTLET_GENERATOR_HTTP_ALLOWED_HOSTS" in error["message"]
    assert not GenerationBatch.objects.exists()
    allowed = manager_client.post(
        "/api/v1/generation-batches/",
        {**body, "generator_settings": {"base_url": "http://gen.internal:8000/v1", "model": "m"}},
        format="json",
    )
    assert allowed.status_code == 201, allowed.content
