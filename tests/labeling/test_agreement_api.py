"""GET /api/v1/queues/{id}/agreement/ and the comparison summary, against hand-computed values
and against statsmodels, krippendorff and scikit-learn."""

from __future__ import annotations

from typing import Any

import krippendorff
import numpy as np
import pytest
from rest_framework.test import APIClient
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

from gauntlet.accounts.models import User
from gauntlet.agreement.comparisons import bradley_terry
from gauntlet.workqueue.models import Queue, WorkItem
from gauntlet.workqueue.services import items_add
from labeling.models import Comparison, Example
from tests.labeling.conftest import SCENARIO, make_example, make_queue, new_rater, work_through

pytestmark = pytest.mark.django_db

CATEGORIES = ["injurious", "not_injurious", "unsure"]


def agreement(client: APIClient, queue: Queue) -> Any:
    response = client.get(f"/api/v1/queues/{queue.pk}/agreement/")
    assert response.status_code == 200, response.content
    return response.json()


def test_reliability_figures_match_hand_computation_and_the_libraries(
    scenario: tuple[Queue, list[Example], list[User]], manager_client: APIClient, settings: Any
) -> None:
    settings.GAUNTLET_KAPPA_MIN_OVERLAP = 2
    queue, _, raters = scenario
    report = agreement(manager_client, queue)
    assert (report["n_items"], report["n_raters"], report["n_labels"]) == (4, 3, 12)

    # Percent agreement: agreeing pairs of 3 per item = 1, 1/3, 0, 1.
    assert report["percent_agreement"] == pytest.approx(7 / 12)
    counts = np.array([[sum(1 for x in row if x == c) for c in CATEGORIES] for row in SCENARIO])
    # Fleiss: P_bar = 7/12, P_e = (5² + 6² + 1²) / 12² = 62/144.
    assert report["fleiss_kappa"] == pytest.approx((7 / 12 - 62 / 144) / (1 - 62 / 144))
    assert report["fleiss_kappa"] == pytest.approx(fleiss_kappa(counts, method="fleiss"))
    reliability = np.array([[CATEGORIES.index(row[r]) for row in SCENARIO] for r in range(3)], dtype=float)
    assert report["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal")
    )

    pairs = {(p["rater_a"], p["rater_b"]): p for p in report["cohen_kappa"]["pairs"]}
    r0, r1, r2 = (r.pk for r in raters)
    a, b = [row[0] for row in SCENARIO], [row[1] for row in SCENARIO]
    assert pairs[(r0, r1)]["kappa"] == pytest.approx(0.5)  # observed 3/4, chance 1/2
    assert pairs[(r0, r1)]["kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert pairs[(r0, r1)]["n_shared"] == 4

    per_rater = report["per_rater"]
    # Rater 0 vs the other two: e0 right, e1 others tie (unscored), e2 others say not (wrong), e3 right.
    assert per_rater[str(r0)]["accuracy_vs_majority"] == pytest.approx(2 / 3)
    assert per_rater[str(r0)]["n_vs_majority"] == 3
    assert per_rater[str(r2)]["label_counts"] == {"injurious": 2, "not_injurious": 1, "unsure": 1}
    assert per_rater[str(r2)]["unsure_rate"] == pytest.approx(0.25)
    assert set(per_rater[str(r0)]["ds_confusion"]) <= {"injurious", "not_injurious"}

    stored = report["stored_consensus"]
    assert stored["n_items"] == 4 and stored["n_undecided"] == 1
    assert stored["label_counts"] == {"injurious": 1, "not_injurious": 2}


def test_gold_accuracy_comes_from_gold_items(manager: User, manager_client: APIClient) -> None:
    from decimal import Decimal

    queue = make_queue(manager, overlap=2, gold_rate=Decimal("0.5"))
    plain, gold = make_example(1), make_example(2)
    items_add(
        queue=queue,
        items=[
            {"payload": {"example_id": plain.pk}},
            {"payload": {"example_id": gold.pk}, "gold_answer": "injurious"},
        ],
    )
    right, wrong = new_rater(), new_rater()
    work_through(queue, right, lambda item: {"label": "injurious"})
    work_through(queue, wrong, lambda item: {"label": "not_injurious"})
    per_rater = agreement(manager_client, queue)["per_rater"]
    assert (per_rater[str(right.pk)]["accuracy_vs_gold"], per_rater[str(right.pk)]["n_vs_gold"]) == (1.0, 1)
    assert (per_rater[str(wrong.pk)]["accuracy_vs_gold"], per_rater[str(wrong.pk)]["n_vs_gold"]) == (0.0, 1)


def test_agreement_is_for_managers_only(
    scenario: tuple[Queue, list[Example], list[User]], contractor_client: APIClient, anon_client: APIClient
) -> None:
    queue = scenario[0]
    assert contractor_client.get(f"/api/v1/queues/{queue.pk}/agreement/").status_code == 403
    assert anon_client.get(f"/api/v1/queues/{queue.pk}/agreement/").status_code in (401, 403)


def test_unknown_queue_is_a_404(manager_client: APIClient) -> None:
    response = manager_client.get("/api/v1/queues/987654/agreement/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# --- quality comparisons -------------------------------------------------------------


def comparison_items(queue: Queue, systems: list[tuple[str, str]]) -> list[WorkItem]:
    rows = []
    for n, (system_a, system_b) in enumerate(systems):
        prompt = f"Prompt {n}. Something happens. Then more."
        a = make_example(100 + 2 * n, prompt=prompt, completion=f"{system_a} says {n}.")
        b = make_example(101 + 2 * n, prompt=prompt, completion=f"{system_b} says {n}.")
        rows.append(
            {
                "payload": {
                    "example_a_id": a.pk,
                    "example_b_id": b.pk,
                    "system_a": system_a,
                    "system_b": system_b,
                }
            }
        )
    return items_add(queue=queue, items=rows)


def answer_for(outcome: str) -> Any:
    """The on-screen answer that means ``outcome`` (in the pair's terms) for this item."""

    def answer(item: WorkItem) -> dict[str, str]:
        if outcome == "tie" or item.payload["shown_first"] == "a":
            return {"answer": outcome}
        return {"answer": "B" if outcome == "A" else "A"}

    return answer


def test_win_rate_counts_ties_as_half_with_a_wilson_interval(
    manager: User, manager_client: APIClient
) -> None:
    queue = make_queue(manager, kind="quality_comparison", overlap=5)
    comparison_items(queue, [("filtered", "unfiltered")])
    for outcome in ("A", "A", "A", "B", "tie"):
        work_through(queue, new_rater(), answer_for(outcome))
    response = manager_client.get(f"/api/v1/queues/{queue.pk}/comparisons/summary/")
    assert response.status_code == 200
    body = response.json()
    (rate,) = body["win_rates"]
    assert (rate["system_a"], rate["system_b"], rate["wins"], rate["losses"], rate["ties"]) == (
        "filtered",
        "unfiltered",
        3,
        1,
        1,
    )
    assert rate["win_rate"] == pytest.approx(3.5 / 5)
    low, high = proportion_confint(3.5, 5, alpha=0.05, method="wilson")
    assert (rate["ci_low"], rate["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert body["bradley_terry"] is None  # only two systems
    report = agreement(manager_client, queue)
    assert report["comparisons"]["n_comparisons"] == 5 and report["categories"] == ["A", "B", "tie"]


def test_three_systems_get_bradley_terry_strengths(manager: User, manager_client: APIClient) -> None:
    queue = make_queue(manager, kind="quality_comparison", overlap=2)
    comparison_items(queue, [("big", "small"), ("small", "tiny"), ("big", "tiny")])
    work_through(queue, new_rater(), answer_for("A"))
    work_through(queue, new_rater(), answer_for("tie"))
    body = manager_client.get(f"/api/v1/queues/{queue.pk}/comparisons/summary/").json()
    games = list(Comparison.objects.values_list("pair__system_a", "pair__system_b", "outcome"))
    expected = bradley_terry(games)
    assert body["bradley_terry"]["systems"] == expected.systems == ["big", "small", "tiny"]
    for system, strength in expected.strengths.items():
        assert body["bradley_terry"]["strengths"][system] == pytest.approx(strength)
    assert manager_client.get(f"/api/v1/queues/{queue.pk}/consensus/").status_code == 400  # wrong kind
