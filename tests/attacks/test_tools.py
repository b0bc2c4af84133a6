"""The tool-assisted rewrite tools answer for the session's current text with the attacked (tiny) model:
word substitutions re-scored and sorted, and saliency whose offsets point back into the text."""

from __future__ import annotations

import pytest

from attacks.models import RewriteSession
from ml_worker import runtime
from tests.attacks.conftest import SEED_PROMPT
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Edited text with sub-word pieces ("hurt ##s", "dog ##s") and a capital the tokenizer lowers.
EDITED = "Anna hurts the dogs quietly ."


def _session_with_edit(client, queue) -> int:  # type: ignore[no-untyped-def]
    session_id = client.post(f"/api/v1/queues/{queue.pk}/claim/").json()["assignment"]["task"]["session_id"]
    edit = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/edits/",
        {"prompt": SEED_PROMPT, "completion": EDITED, "tool": "typed"},
        format="json",
    )
    assert edit.status_code == 201, edit.content
    return int(session_id)


def test_substitutions_are_whole_words_rescored_lowest_first(seeded_rewrite_queue, tiny_version, rewriter):
    client = client_for(rewriter)
    session_id = _session_with_edit(client, seeded_rewrite_queue)
    session = RewriteSession.objects.get(pk=session_id)
    assert session.condition == "tool_assisted"
    # Select "urt" inside "hurts": the tool works on the whole word.
    response = client.post(
        f"/api/v1/rewrite-sessions/{session_id}/substitutions/",
        {"field": "completion", "start": 6, "end": 9, "k": 6},
        format="json",
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["field"], answer["start"], answer["end"], answer["word"]) == ("completion", 5, 10, "hurts")
    assert answer["original_score"] == pytest.approx(session.current_score, abs=1e-4)
    suggestions = answer["substitutions"]
    assert 1 <= len(suggestions) <= 6
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores)  # the edit that lowers P(injurious) most comes first
    clf = runtime.classifier_for(tiny_version)
    rescored = clf.score([(s["prompt"], s["completion"]) for s in suggestions])
    replacements = [s for s in suggestions if s["kind"] == "substitution"]
    assert replacements, suggestions
    for suggestion, exact in zip(suggestions, rescored, strict=True):
        assert suggestion["prompt"] == SEED_PROMPT  # only the completion's word was touched
        assert suggestion["score"] == pytest.approx(float(exact), abs=1e-4)  # really re-scored
        assert suggestion["delta"] == pytest.approx(suggestion["score"] - answer["original_score"], abs=1e-6)
        assert suggestion["passes"] == (suggestion["score"] < tiny_version.threshold)
    for suggestion in replacements:
        word = suggestion["text"]
        assert word.isalpha() and "#" not in word  # a whole word, never a sub-word piece
        assert word.lower() != "hurts"  # the span's own word is not a suggestion
        assert suggestion["completion"] == EDITED[:5] + word + EDITED[10:]


def test_saliency_offsets_slice_back_to_the_current_words(seeded_rewrite_queue, tiny_version, rewriter):
    client = client_for(rewriter)
    session_id = _session_with_edit(client, seeded_rewrite_queue)
    response = client.post(f"/api/v1/rewrite-sessions/{session_id}/saliency/")
    assert response.status_code == 200, response.content
    answer = response.json()
    texts = {"prompt": SEED_PROMPT, "completion": EDITED}  # the session's current text, not the seed
    assert answer["score"] == pytest.approx(RewriteSession.objects.get(pk=session_id).current_score, abs=1e-4)
    for field, text in texts.items():
        tokens = [t for t in answer["tokens"] if t["field"] == field]
        assert tokens
        for token in tokens:
            surface = text[token["start"] : token["end"]]
            assert token["text"] == surface
            assert token["token"].removeprefix("##") == surface.lower()  # every word is in the toy vocabulary
            assert token["gradient"] >= 0.0
        # In order, the pieces cover the text's words exactly: nothing skipped, nothing overlapping.
        assert "".join(text[t["start"] : t["end"]] for t in tokens) == text.replace(" ", "")
    pieces = [(t["text"], t["token"]) for t in answer["tokens"] if t["field"] == "completion"]
    assert pieces == [
        ("Anna", "anna"),
        ("hurt", "hurt"),
        ("s", "##s"),
        ("the", "the"),
        ("dog", "dog"),
        ("s", "##s"),
        ("quietly", "quietly"),
        (".", "."),
    ]
