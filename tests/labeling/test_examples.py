"""example_create validates and normalises exactly like an import, and dedupes per batch."""

from __future__ import annotations

import unicodedata

import pytest
from django.core.exceptions import ValidationError

from labeling.models import Example, content_hash
from labeling.services.examples import example_create

pytestmark = pytest.mark.django_db


def test_text_is_nfc_normalised_and_hashed_after_normalising() -> None:
    decomposed = "Jose\u0301 fell."  # e + combining acute
    example = example_create(prompt=f"  {decomposed}  ", completion="He was\r\nfine.", source="manual")
    assert example.prompt == unicodedata.normalize("NFC", decomposed) == "José fell."
    assert example.completion == "He was\nfine."
    assert example.content_hash == content_hash("José fell.", "He was\nfine.")


def test_the_same_text_in_the_same_batch_returns_the_existing_example() -> None:
    first = example_create(prompt="José fell.", completion="He was fine.", source="manual", batch="b")
    again = example_create(prompt="Jose\u0301 fell.", completion="He was fine. ", source="manual", batch="b")
    other_batch = example_create(prompt="José fell.", completion="He was fine.", source="manual", batch="c")
    assert again.pk == first.pk
    assert other_batch.pk != first.pk
    assert Example.objects.count() == 2


@pytest.mark.parametrize(
    ("prompt", "completion", "field", "words"),
    [
        ("", "x", "prompt", "must not be empty"),
        ("   ", "x", "prompt", "must not be empty"),
        ("ok", "bell\x07", "completion", "control character U+0007"),
        ("null\x00byte", "ok", "prompt", "control character U+0000"),
        ("ok", None, "completion", "is required"),
        ("ok", 12, "completion", "must be text"),
    ],
)
def test_bad_text_is_rejected_with_a_message_naming_the_field(
    prompt: object, completion: object, field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        example_create(prompt=prompt, completion=completion, source="manual")  # type: ignore[arg-type]
    assert words in caught.value.message_dict[field][0]
    assert Example.objects.count() == 0


def test_newlines_and_tabs_are_allowed() -> None:
    example = example_create(prompt="Line one.\n\tLine two.", completion="Done.", source="manual")
    assert example.prompt == "Line one.\n\tLine two."


def test_length_limit_message_says_the_length_and_the_limit(settings: object) -> None:
    settings.GAUNTLET_EXAMPLE_MAX_COMPLETION_CHARS = 10  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as caught:
        example_create(prompt="ok", completion="x" * 11, source="manual")
    assert caught.value.message_dict["completion"] == ["completion is 11 characters long; the limit is 10"]


def test_unknown_source_is_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        example_create(prompt="ok", completion="ok", source="telepathy")
    assert "source 'telepathy' is not one of" in caught.value.message_dict["source"][0]


def test_rewrite_keeps_its_parent_and_author(contractor: object) -> None:
    parent = example_create(prompt="A.", completion="B.", source="generator")
    child = example_create(prompt="A.", completion="B!", source="manual", parent=parent, author=contractor)  # type: ignore[arg-type]
    assert child.parent_id == parent.pk
    assert child.author_id == contractor.pk  # type: ignore[attr-defined]
