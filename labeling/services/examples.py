"""Creating examples: the one place where example text is validated and normalised.

Imports, attacks (manual and tool-assisted rewrites) and the paraphraser all go
through :func:`example_fields_clean`, so an example means the same thing
wherever it came from:

- text is Unicode-normalised to NFC (visually identical strings hash the same);
- line endings become ``\\n`` and surrounding whitespace is stripped;
- control characters other than newline and tab are rejected (they are
  invisible to raters and can smuggle content past them);
- prompt and completion must be non-empty and within the configured lengths.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gauntlet.accounts.models import User
from labeling.models import Example, InjuryLabel, Source, content_hash

# Control characters (category Cc) other than newline and tab, and lone surrogates (Cs: undecodable
# bytes under surrogateescape): one regex scan instead of a category lookup per character.
_REFUSED_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SOURCES = frozenset(Source.values)  # Django builds these lists on every access
_LABELS = frozenset(InjuryLabel.values)
DEFAULT_BATCH = "default"
MAX_BATCH_CHARS = 200
MAX_EXTERNAL_ID_CHARS = 200


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


def text_clean(value: Any, *, field: str, max_chars: int) -> str:
    """Normalised text, or ``ValueError`` whose message says what to fix."""
    if value is None:
        raise ValueError("is required")
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {type(value).__name__}")
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise ValueError("must not be empty")
    refused = _REFUSED_CHARS.search(text)
    if refused is not None:
        position, char = refused.start(), refused.group()
        category = unicodedata.category(char)
        if category == "Cs":  # a lone surrogate: undecodable bytes in the file (surrogateescape)
            raise ValueError(f"is not valid UTF-8 text (bad byte at position {position})")
        raise ValueError(
            f"contains control character U+{ord(char):04X} at position {position}; "
            "only newlines and tabs are allowed"
        )
    if len(text) > max_chars:
        raise ValueError(f"is {len(text)} characters long; the limit is {max_chars}")
    return text


def example_fields_clean(
    *,
    prompt: Any,
    completion: Any,
    source: Any = Source.IMPORT,
    label: Any = "",
    external_id: Any = "",
) -> tuple[dict[str, Any], list[FieldError]]:
    """Check and normalise one example's fields.

    Returns ``(fields, errors)``: ``fields`` holds prompt, completion, source,
    imported_label, external_id and content_hash when ``errors`` is empty.
    """
    errors: list[FieldError] = []
    fields: dict[str, Any] = {}
    for name, value, limit in (
        ("prompt", prompt, settings.GAUNTLET_EXAMPLE_MAX_PROMPT_CHARS),
        ("completion", completion, settings.GAUNTLET_EXAMPLE_MAX_COMPLETION_CHARS),
    ):
        try:
            fields[name] = text_clean(value, field=name, max_chars=limit)
        except ValueError as exc:
            errors.append(FieldError(name, f"{name} {exc}"))

    source_value = Source.IMPORT if source in (None, "") else str(source).strip()
    if source_value not in _SOURCES:
        errors.append(
            FieldError("source", f"source {source_value!r} is not one of {', '.join(Source.values)}")
        )
    fields["source"] = source_value

    label_value = "" if label in (None, "") else str(label).strip().lower().replace(" ", "_")
    if label_value and label_value not in _LABELS:
        errors.append(
            FieldError("label", f"label {label!r} is not one of {', '.join(InjuryLabel.values)} (or empty)")
        )
    fields["imported_label"] = label_value

    external = "" if external_id is None else str(external_id).strip()
    if len(external) > MAX_EXTERNAL_ID_CHARS:
        errors.append(FieldError("id", f"id is longer than {MAX_EXTERNAL_ID_CHARS} characters"))
    elif external:
        try:  # the same characters as the text: a lone surrogate cannot even be stored or answered
            external = text_clean(external, field="id", max_chars=MAX_EXTERNAL_ID_CHARS)
        except ValueError as exc:
            errors.append(FieldError("id", f"id {exc}"))
    fields["external_id"] = external

    if not errors:
        fields["content_hash"] = content_hash(fields["prompt"], fields["completion"])
    return fields, errors


def batch_clean(batch: Any) -> str:
    """A valid batch name or ``ValidationError``."""
    name = DEFAULT_BATCH if batch in (None, "") else str(batch).strip()
    if not name or len(name) > MAX_BATCH_CHARS:
        raise ValidationError({"batch": [f"batch must be 1 to {MAX_BATCH_CHARS} characters"]})
    return name


@transaction.atomic
def example_create(
    *,
    prompt: str,
    completion: str,
    source: str,
    parent: Example | None = None,
    author: User | None = None,
    batch: str = DEFAULT_BATCH,
    external_id: str = "",
    imported_label: str = "",
) -> Example:
    """Validate, normalise and store one example; return it.

    Idempotent per batch: the same (normalised) text pair in the same batch
    returns the existing row instead of a duplicate. Raises Django's
    ``ValidationError`` (field -> messages; the API renders it as a 400) for
    text an import would reject too.
    """
    fields, errors = example_fields_clean(
        prompt=prompt, completion=completion, source=source, label=imported_label, external_id=external_id
    )
    if errors:
        raise ValidationError({error.field: [error.reason] for error in errors})
    batch_name = batch_clean(batch)
    existing = Example.objects.filter(batch=batch_name, content_hash=fields["content_hash"]).first()
    if existing is not None:
        return existing
    example = Example(parent=parent, author=author, batch=batch_name, **fields)
    try:
        with transaction.atomic():  # a concurrent create of the same text wins; return its row
            example.save()
    except IntegrityError:
        return Example.objects.get(batch=batch_name, content_hash=fields["content_hash"])
    return example
