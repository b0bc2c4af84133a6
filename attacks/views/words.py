"""Splitting a text into clickable words and giving each the saliency of its tokens."""

from __future__ import annotations

import re
from typing import Any

WORD = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def word_heat(text: str, tokens: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """``[{"text", "start", "end", "heat", "word"}]`` covering ``text`` (gaps as non-words), heat in
    0..1: the largest gradient of any of the word's tokens over the largest in the whole pair."""
    mine = [t for t in tokens if t.get("field") == field]
    top = max((float(t["gradient"]) for t in tokens), default=0.0) or 1.0
    pieces: list[dict[str, Any]] = []
    cursor = 0
    for match in WORD.finditer(text):
        if match.start() > cursor:
            pieces.append({"text": text[cursor : match.start()], "word": False})
        start, end = match.span()
        grads = [float(t["gradient"]) for t in mine if t["start"] < end and t["end"] > start]
        heat = max(grads, default=0.0) / top
        pieces.append(
            {
                "text": match.group(),
                "start": start,
                "end": end,
                "heat": round(heat, 3),
                "word": match.group().isalnum() or bool(re.match(r"\w", match.group())),
            }
        )
        cursor = end
    if cursor < len(text):
        pieces.append({"text": text[cursor:], "word": False})
    return pieces
