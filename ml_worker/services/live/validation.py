"""What a live request must be before it reaches a gpu worker: a known version, text within limits, a span."""

from __future__ import annotations

from django.conf import settings

from gauntlet.errors import Conflict, Invalid, NotFound
from ml_worker.models import ClassifierVersion
from ml_worker.selectors import classifier_version_active, classifier_version_loadable

FIELDS = ("prompt", "completion")


def live_version_resolve(*, version_id: int | None) -> ClassifierVersion:
    """The requested version (404 when unknown or not loadable), else the active one (409 when none)."""
    if version_id is not None:
        version = classifier_version_loadable(version_id=version_id)
        if version is None:
            raise NotFound(
                "unknown_version", f"No classifier version {version_id} with a finished artifact exists."
            )
        return version
    version = classifier_version_active()
    if version is None:
        raise Conflict(
            "no_active_classifier",
            "No classifier version is active; a manager must promote one (or run classifier_bootstrap).",
        )
    return version


def live_text_validate(*, prompt: str, completion: str) -> None:
    """400 for empty text or text over the configured character limits."""
    errors: dict[str, list[str]] = {}
    limits = {
        "prompt": settings.GAUNTLET_EXAMPLE_MAX_PROMPT_CHARS,
        "completion": settings.GAUNTLET_EXAMPLE_MAX_COMPLETION_CHARS,
    }
    for name, text in (("prompt", prompt), ("completion", completion)):
        if not text.strip():
            errors[name] = [f"The {name} is empty; send the text to judge."]
        elif len(text) > limits[name]:
            errors[name] = [f"The {name} has {len(text)} characters; at most {limits[name]} are allowed."]
    if errors:
        code = "text_too_long" if all("allowed" in m[0] for m in errors.values()) else "invalid_text"
        raise Invalid(code, " ".join(m[0] for m in errors.values()), fields=errors)


def live_span_validate(*, prompt: str, completion: str, field: str, start: int, end: int) -> None:
    text = prompt if field == "prompt" else completion
    if not 0 <= start < end <= len(text):
        raise Invalid(
            "span_out_of_range",
            f"The span [{start}, {end}) is not inside the {field} (which has {len(text)} characters); "
            f"send 0 <= start < end <= {len(text)}.",
            fields={"span": ["out of range"]},
        )
    if not text[start:end].strip():
        raise Invalid("empty_span", "The span covers only whitespace; select a word.")
