"""A JSON body ``{"rows": [...], "batch": ..., "skip_invalid": ...}`` rewritten as JSONL, one row at a time.

The body is decoded incrementally (``json.JSONDecoder.raw_decode`` over a bounded window), so a
body of any size is read with memory bounded by its largest row: each row becomes one JSONL line
(row number = its list position, from 1, as before), the other keys are returned as options.
"""

from __future__ import annotations

import codecs
import json
from typing import IO, Any

from labeling.services.imports.report import ImportFileError

READ_BYTES = 64 * 1024
MAX_VALUE_CHARS = 4 * 1024 * 1024  # one row (or option) larger than this is not a row of this platform
_WHITESPACE = " \t\r\n"
_NUMBER_CHARS = "0123456789.eE+-"


class _Window:
    """Text read from the stream that has not been consumed yet."""

    def __init__(self, stream: IO[bytes] | Any) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        self.text = ""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(READ_BYTES)
        try:
            decoded = self.decoder.decode(chunk or b"", final=not chunk)
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"the JSON body is not UTF-8: {exc.reason}") from exc
        if not chunk:
            self.eof = True
        if self.pos > READ_BYTES:  # drop what was consumed
            self.text, self.pos = self.text[self.pos :], 0
        self.text += decoded
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end of the body)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str, where: str) -> None:
        found = self.peek()
        if found != char:
            raise ImportFileError(f"the JSON body is not valid: expected {char!r} {where}, found {found!r}")
        self.pos += 1

    def _may_continue(self, end: int) -> bool:
        return end >= len(self.text) or self.text[end] in _NUMBER_CHARS

    def value(self, decoder: json.JSONDecoder, where: str) -> Any:
        self.peek()
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.text) - self.pos < MAX_VALUE_CHARS and self.more():
                    continue  # the value runs past what was read so far
                raise ImportFileError(f"the JSON body is not valid at {where}: {exc.msg}") from exc
            if not self.eof and not isinstance(value, dict | list | str) and self._may_continue(end):
                # a number or literal at the window's edge ("12" of "12.5") may go on in the next read
                if self.more():
                    continue
            self.pos = end
            return value


def json_body_to_jsonl(stream: IO[bytes] | Any, out: IO[bytes]) -> dict[str, Any] | None:
    """Write the body's ``rows`` to ``out`` as JSONL; return the other top-level keys, or None
    when the body has no ``rows`` key.

    Raises :class:`ImportFileError` when the body is not a JSON object or ``rows`` is not a list.
    """
    window = _Window(stream)
    decoder = json.JSONDecoder()
    options: dict[str, Any] = {}
    rows = 0
    saw_rows = False
    window.expect("{", "at the start of the body")
    if window.peek() == "}":
        window.pos += 1
        return None
    while True:
        key = window.value(decoder, "a key")
        if not isinstance(key, str):
            raise ImportFileError("the JSON body is not valid: keys must be strings")
        window.expect(":", f"after {key!r}")
        if key == "rows":
            saw_rows = True
            window.expect("[", "as rows must be a list of objects")
            if window.peek() == "]":
                window.pos += 1
            else:
                while True:
                    row = window.value(decoder, f"row {rows + 1}")
                    rows += 1
                    out.write(json.dumps(row, ensure_ascii=False).encode("utf-8", "surrogateescape") + b"\n")
                    separator = window.peek()
                    window.pos += 1
                    if separator == "]":
                        break
                    if separator != ",":
                        raise ImportFileError(
                            f"the JSON body is not valid: expected ',' or ']' after row {rows}"
                        )
        else:
            options[key] = window.value(decoder, f"the value of {key!r}")
        separator = window.peek()
        window.pos += 1
        if separator == "}":
            break
        if separator != ",":
            raise ImportFileError("the JSON body is not valid: expected ',' or '}' between keys")
    if window.peek() != "":
        raise ImportFileError("the JSON body is not valid: text after the closing '}'")
    return options if saw_rows else None
