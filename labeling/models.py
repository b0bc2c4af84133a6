"""Examples and what raters say about them.

An :class:`Example` is immutable once labelled: an edit is a new Example whose
``parent`` is the old one, so every score and label keeps pointing at the text
it judged.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from django.conf import settings
from django.db import models


class Source(models.TextChoices):
    GENERATOR = "generator", "Generator"
    MANUAL = "manual", "Manual rewrite"
    TOOL_ASSISTED = "tool_assisted", "Tool-assisted rewrite"
    PARAPHRASE = "paraphrase", "Automatic paraphrase"
    IMPORT = "import", "Imported"


class InjuryLabel(models.TextChoices):
    INJURIOUS = "injurious", "Injurious"
    NOT_INJURIOUS = "not_injurious", "Not injurious"
    UNSURE = "unsure", "Unsure"


def content_hash(prompt: str, completion: str) -> str:
    """SHA-256 of the (already normalised) text pair; the dedupe key within a batch."""
    return hashlib.sha256(f"{prompt}\x1f{completion}".encode()).hexdigest()


class Example(models.Model):
    prompt = models.TextField()
    completion = models.TextField()
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.IMPORT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="examples"
    )
    batch = models.CharField(max_length=200, default="default", help_text="Import batch or origin group.")
    external_id = models.CharField(max_length=200, blank=True, help_text="The id the row had in its file.")
    content_hash = models.CharField(max_length=64, db_index=True)
    imported_label = models.CharField(
        max_length=16, choices=InjuryLabel.choices, blank=True, help_text="A label that came with the import."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["batch", "content_hash"], name="example_unique_per_batch"),
            models.CheckConstraint(
                condition=~models.Q(prompt="") & ~models.Q(completion=""), name="example_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"example {self.pk} ({self.source})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.content_hash = content_hash(self.prompt, self.completion)
        super().save(*args, **kwargs)  # type: ignore[arg-type]
