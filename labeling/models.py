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
    WORD_ATTACK = "word_attack", "Automated word-importance attack"
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


class Label(models.Model):
    """One rater's injury judgment on one example, written when their assignment is submitted.

    Unique per assignment and per (example, rater, queue): a rater labels an
    example once per queue. A manager's rejection keeps the row (audit) but sets
    ``rejected`` so it no longer counts toward consensus or agreement.
    """

    example = models.ForeignKey(Example, on_delete=models.PROTECT, related_name="labels")
    queue = models.ForeignKey("workqueue.Queue", on_delete=models.CASCADE, related_name="labels")
    item = models.ForeignKey("workqueue.WorkItem", on_delete=models.CASCADE, related_name="labels")
    assignment = models.OneToOneField("workqueue.Assignment", on_delete=models.CASCADE, related_name="label")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="labels")
    value = models.CharField(max_length=16, choices=InjuryLabel.choices)
    note = models.TextField(blank=True)
    rejected = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["example", "rater", "queue"], name="label_once_per_rater_queue"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["queue", "rejected"], name="label_queue_rejected"),
        ]

    def __str__(self) -> str:
        return f"label {self.value} on example {self.example_id} by {self.rater_id}"


class ComparisonOutcome(models.TextChoices):
    """De-randomised: ``A`` means system A of the pair won, whichever side it was shown on."""

    A = "A", "System A preferred"
    B = "B", "System B preferred"
    TIE = "tie", "Tie"


class ComparisonPair(models.Model):
    """Two completions of the same prompt from two systems (e.g. filtered vs unfiltered)."""

    example_a = models.ForeignKey(Example, on_delete=models.PROTECT, related_name="+")
    example_b = models.ForeignKey(Example, on_delete=models.PROTECT, related_name="+")
    system_a = models.CharField(max_length=100, help_text="Which system produced example A.")
    system_b = models.CharField(max_length=100, help_text="Which system produced example B.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["example_a", "example_b", "system_a", "system_b"], name="comparison_pair_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(example_a=models.F("example_b")), name="comparison_pair_distinct"
            ),
        ]

    def __str__(self) -> str:
        return f"pair {self.pk}: {self.system_a} vs {self.system_b}"


class Comparison(models.Model):
    """One rater's answer on a comparison item, as shown and de-randomised.

    ``shown_first`` records which side of the pair was displayed as "A" for the
    item (randomised once per item); ``answer_shown`` is what the rater clicked;
    ``outcome`` and ``winner`` are in the pair's own terms.
    """

    pair = models.ForeignKey(ComparisonPair, on_delete=models.PROTECT, related_name="comparisons")
    queue = models.ForeignKey("workqueue.Queue", on_delete=models.CASCADE, related_name="comparisons")
    item = models.ForeignKey("workqueue.WorkItem", on_delete=models.CASCADE, related_name="comparisons")
    assignment = models.OneToOneField(
        "workqueue.Assignment", on_delete=models.CASCADE, related_name="comparison"
    )
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comparisons")
    shown_first = models.ForeignKey(
        Example, on_delete=models.PROTECT, related_name="+", help_text="The example displayed as A."
    )
    answer_shown = models.CharField(max_length=3, choices=ComparisonOutcome.choices)
    outcome = models.CharField(max_length=3, choices=ComparisonOutcome.choices)
    winner = models.ForeignKey(
        Example,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty on a tie.",
    )
    note = models.TextField(blank=True)
    rejected = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["item", "rater"], name="comparison_once_per_rater_item"),
        ]

    def __str__(self) -> str:
        return f"comparison {self.outcome} on pair {self.pair_id}"


class Consensus(models.Model):
    """The aggregated injury label of an example in a queue (one row per example and queue).

    ``decided`` is False when the votes tie or are all unsure (the label is then
    ``unsure``); ``final`` is False while the item was escalated for more judgments.
    """

    example = models.ForeignKey(Example, on_delete=models.PROTECT, related_name="consensus")
    queue = models.ForeignKey("workqueue.Queue", on_delete=models.CASCADE, related_name="consensus")
    item = models.ForeignKey("workqueue.WorkItem", on_delete=models.CASCADE, related_name="consensus")
    label = models.CharField(max_length=16, choices=InjuryLabel.choices)
    decided = models.BooleanField()
    final = models.BooleanField(default=True)
    method = models.CharField(max_length=32)
    confidence = models.FloatField()
    agreement = models.FloatField()
    n_labels = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ("id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["example", "queue"], name="consensus_one_per_example_queue"),
        ]

    def __str__(self) -> str:
        return f"consensus {self.label} on example {self.example_id} in queue {self.queue_id}"


class ImportJobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    CHECKING = "checking", "Checking every row"
    LANDING = "landing", "Writing rows"
    SUCCEEDED = "succeeded", "Imported"
    REJECTED = "rejected", "Rejected (bad rows; nothing written)"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A big import run in the background: the stored upload, its progress and its report.

    Two passes over the stored file: every row is checked first (``checking``, nothing written),
    then, only if none is bad or ``skip_invalid`` is set, the valid rows land in chunks
    (``landing``), each chunk in its own transaction together with this row's ``rows_landed``:
    the rows of the file up to ``rows_landed`` (file order) are exactly those written, so a
    crash leaves a true record and a retry resumes after it.
    """

    state = models.CharField(max_length=16, choices=ImportJobState.choices, default=ImportJobState.QUEUED)
    source = models.CharField(max_length=500, help_text="The stored upload's name in default storage.")
    source_name = models.CharField(max_length=300, help_text="The file name as uploaded.")
    format = models.CharField(max_length=8)
    batch = models.CharField(max_length=200)
    skip_invalid = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    bytes_total = models.BigIntegerField(default=0, help_text="Stored (uncompressed) size of the rows.")
    bytes_done = models.BigIntegerField(default=0, help_text="Bytes read in the current pass.")
    rows_checked = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Known once every row is checked."
    )
    rows_landed = models.PositiveIntegerField(default=0, help_text="File rows (in order) written or skipped.")
    valid = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    row_errors = models.JSONField(default=list, blank=True, help_text="[{row, field, reason}], capped.")
    errors_truncated = models.BooleanField(default=False)
    first_example_id = models.BigIntegerField(null=True, blank=True)
    last_example_id = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True, help_text="Why a failed job failed.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(rows_landed__lte=models.F("rows_checked")),
                name="import_job_landed_checked",
            ),
        ]

    def __str__(self) -> str:
        return f"import job {self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (ImportJobState.SUCCEEDED, ImportJobState.REJECTED, ImportJobState.FAILED)

    # What the import report shows (the same names as ImportReport's).
    @property
    def rows(self) -> int:
        return self.rows_total if self.rows_total is not None else self.rows_checked

    @property
    def landed(self) -> bool:
        return self.created > 0

    @property
    def example_count(self) -> int:
        return self.created + self.duplicates

    @property
    def seconds(self) -> float:
        if self.started_at is None or self.finished_at is None:
            return 0.0
        return round((self.finished_at - self.started_at).total_seconds(), 3)
