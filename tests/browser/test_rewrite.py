"""The rewrite tool with the bundled MiniLM: a clicked substitution changes text and score, the submit
passes, two verifiers (other browser contexts) verify it blind, the author's earnings show the bonus once;
and a manual session shows the live score only."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from attacks import scoring
from attacks.models import AttackSubmission, SubmissionStatus
from gauntlet.payments.models import LedgerEntry, LedgerKind
from ml_worker import runtime
from ml_worker.models import ClassifierVersion, VersionStatus
from tests.browser import data
from tests.browser.conftest import expect, screenshot, sign_in_fast
from tests.factories import new_contractor

pytestmark = pytest.mark.slow  # the real bundled MiniLM answers the live tools


@pytest.fixture(scope="session")
def minilm_dir() -> Iterator[Path]:
    """The bundled MiniLM with a seeded head, saved once for the session (what classifier_bootstrap saves)."""
    from ml_worker.core.classifier import InjuryClassifier
    from ml_worker.services.registry import classifier_base_path

    with tempfile.TemporaryDirectory(prefix="browser-minilm-") as tmp:
        InjuryClassifier.from_backbone(classifier_base_path(), device="cpu", seed=0).save(tmp)
        yield Path(tmp)


@pytest.fixture
def minilm(minilm_dir: Path, transactional_db: None) -> Iterator[ClassifierVersion]:
    runtime.reset()
    yield ClassifierVersion.objects.create(
        name="minilm-browser",
        artifact_uri=str(minilm_dir),
        base_model="all-MiniLM-L6-v2",
        status=VersionStatus.ACTIVE,
        threshold=0.5,
    )
    runtime.reset()


def _threshold_the_best_substitution_passes(version: ClassifierVersion, prompt: str, completion: str) -> str:
    """Pick a word whose best replacement lowers the score, and put the version's threshold between the
    two scores: the seed is caught, that replacement passes (deterministic: same model, same text)."""
    seed_score = scoring.text_score(version=version, prompt=prompt, completion=completion)
    for word in ("shoved", "broke", "fence", "arm"):
        start = completion.index(word)
        answer = scoring.text_substitutions(
            version=version,
            prompt=prompt,
            completion=completion,
            field="completion",
            start=start,
            end=start + len(word),
            k=10,
        )
        best = min((s["score"] for s in answer["substitutions"]), default=seed_score)
        if best < seed_score - 1e-4:
            version.threshold = (best + seed_score) / 2
            version.save(update_fields=["threshold"])
            return word
    pytest.fail("no substitution lowers the seed's score")


def test_tool_assisted_rewrite_verified_and_paid_once(
    minilm: ClassifierVersion, new_page: Any, live_server: Any
) -> None:
    seed = data.injurious_seed()
    word = _threshold_the_best_substitution_passes(minilm, seed.prompt, seed.completion)
    rewrite_queue, verification_queue = data.rewrite_queues(seed=seed)
    author = new_contractor()
    page = new_page()
    sign_in_fast(page, live_server, author)
    page.goto(f"{live_server.url}/")
    page.get_by_role("row", name=rewrite_queue.name).get_by_role("link", name=re.compile("Start")).click()
    expect(page.get_by_role("heading", name="Rewrite tool")).to_be_visible()
    score = page.locator("#rewrite-score")
    seed_score_text = score.inner_text()
    expect(page.get_by_text("caught (at or above")).to_be_visible()
    expect(page.locator("#rewrite-submit")).to_be_disabled()

    # Saliency: every word of the text is a button with a heat; some carry heat.
    words = page.locator('#rewrite-words .words[data-field="completion"] .word')
    expect(words.first).to_be_visible()
    heats = [float(h) for h in words.evaluate_all("els => els.map(e => e.dataset.heat)")]
    assert max(heats) == 1.0 and min(heats) < 1.0

    words.filter(has_text=re.compile(f"^{word}$")).first.click()
    suggestions = page.locator("#suggestions button.suggestion")
    expect(suggestions.first).to_be_focused()
    scores = [float(s) for s in suggestions.evaluate_all("els => els.map(e => e.dataset.suggestionScore)")]
    assert scores == sorted(scores), "suggestions are sorted by the score they give, lowest first"
    screenshot(page, "rewrite-tool-suggestions", narrow=True)
    best = suggestions.first
    best_score = best.get_attribute("data-suggestion-score")
    best.click()

    completion = page.get_by_label("Completion")
    expect(completion).not_to_have_value(seed.completion)
    expect(score).not_to_have_text(seed_score_text)
    expect(score).to_have_attribute("data-score", re.compile(re.escape(best_score or "")[:6]))
    expect(page.locator("#rewrite-submit")).to_be_enabled()
    expect(
        page.get_by_role("cell", name="Token substitution")
        .or_(page.get_by_role("cell", name="Insertion"))
        .or_(page.get_by_role("cell", name="Deletion"))
        .first
    ).to_be_visible()
    rewritten = completion.input_value()
    screenshot(page, "rewrite-tool-passing")
    page.keyboard.press("s")
    expect(page.get_by_role("heading", name="Your rewrites")).to_be_visible()
    expect(page.get_by_text("pending verification")).to_be_visible()
    submission = AttackSubmission.objects.get(author=author)
    assert submission.example.completion == rewritten

    # Two verifiers, each in their own browser context, judge it blind.
    for n in range(2):
        verifier = new_contractor()
        vpage = new_page(narrow=n == 1)
        sign_in_fast(vpage, live_server, verifier)
        vpage.goto(f"{live_server.url}/work/queues/{verification_queue.pk}/")
        task = vpage.locator("#task")
        expect(task.locator(".story-completion")).to_have_text(rewritten)
        shown = task.inner_text().lower()
        assert "score" not in shown and "rewrite" not in shown and "seed" not in shown
        assert author.email not in vpage.content()
        assert seed.completion not in vpage.content()  # nothing hints at the original
        screenshot(vpage, f"verification-page-{n}")
        vpage.keyboard.press("1")
        vpage.keyboard.press("Enter")
        expect(vpage.get_by_role("heading", name="Nothing left for you here")).to_be_visible()

    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.VERIFIED
    page.goto(f"{live_server.url}/work/earnings/")
    bonus_rows = page.locator("table.ledger tbody tr", has=page.locator(".badge", has_text="Bonus"))
    expect(bonus_rows).to_have_count(1)
    expect(bonus_rows.first).to_contain_text("2.00 USD")
    assert LedgerEntry.objects.filter(contractor=author, kind=LedgerKind.BONUS).count() == 1
    screenshot(page, "earnings", narrow=True)
    page.goto(f"{live_server.url}/work/rewrites/")
    expect(page.get_by_text("verified", exact=True)).to_be_visible()


def test_manual_session_shows_the_live_score_only(
    minilm: ClassifierVersion, page: Any, live_server: Any
) -> None:
    seed = data.injurious_seed()
    rewrite_queue, _ = data.rewrite_queues(seed=seed, condition="manual")
    sign_in_fast(page, live_server, new_contractor())
    page.goto(f"{live_server.url}/work/rewrite/queues/{rewrite_queue.pk}/")
    expect(page.get_by_role("heading", name="Rewrite tool")).to_be_visible()
    score = page.locator("#rewrite-score")
    before = score.get_attribute("data-score")
    completion = page.get_by_label("Completion")
    completion.click()
    page.keyboard.press("End")
    page.keyboard.type(" Then he laughed.")
    expect(score).not_to_have_attribute("data-score", before or "")
    expect(page.get_by_role("cell", name="Typed").first).to_be_visible()
    assert page.locator("#rewrite-words").count() == 0
    assert page.locator(".word").count() == 0 and page.locator("#suggestions").count() == 0
    assert "saliency" not in page.locator("main").inner_text().lower()
    screenshot(page, "rewrite-manual")
