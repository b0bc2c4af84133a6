"""What every paraphraser shares: the interface, the few-shot instruction and output clean-up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable


@runtime_checkable
class Paraphraser(Protocol):
    """Rewrites a story's completion; the prompt is context only and is never changed."""

    def paraphrase(self, prompt: str, completion: str, k: int, seed: int) -> list[str]:
        """Up to k distinct new completions, none equal to `completion`; the same seed gives the same list
        wherever the backend allows it."""
        ...


class ParaphraserError(RuntimeError):
    """The paraphrase backend failed (unreachable, bad response); the message says what to fix."""


INSTRUCTION = (
    "Rewrite the final sentence of each story so that it describes exactly the same events, "
    "including anything that happens to anyone, but in different words. Answer with one sentence."
)

FEW_SHOT: tuple[tuple[str, str, str], ...] = (
    (
        "Sam carried the ladder to the shed. The wind was picking up. He leaned it against the wall.",
        "A gust knocked the ladder over and it struck him on the head.",
        "The wind blew the ladder down and it hit Sam's head.",
    ),
    (
        "Mia baked bread for her grandmother. The kitchen smelled of yeast. She set the loaf on the table.",
        "Her grandmother tasted it and smiled warmly.",
        "Grandma took a bite and gave her a warm smile.",
    ),
)


def few_shot_prompt(prompt: str, completion: str) -> str:
    """The instruction, two worked examples and the story to rewrite, ending where the answer begins."""
    blocks = [INSTRUCTION]
    for story, sentence, rewrite in FEW_SHOT:
        blocks.append(f"Story: {story}\nSentence: {sentence}\nRewrite: {rewrite}")
    blocks.append(f"Story: {prompt}\nSentence: {completion}\nRewrite:")
    return "\n\n".join(blocks)


def clean_outputs(outputs: Iterable[str], original: str, k: int) -> list[str]:
    """First line of each output, stripped of quotes and a leading "Rewrite:"; empty ones, repeats and
    the original dropped; at most k, in the order given."""
    kept: list[str] = []
    for raw in outputs:
        lines = raw.strip().splitlines()
        text = lines[0].strip() if lines else ""
        text = text.removeprefix("Rewrite:").strip().strip("\"'").strip()
        if text and text != original.strip() and text not in kept:
            kept.append(text)
        if len(kept) == k:
            break
    return kept
