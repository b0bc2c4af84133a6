"""The nouns of reliability (imported by ``ml_worker.models``, so Django sees them there)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class GenerationBatch(models.Model):
    """Prompts × k completions from one generator, stored as Examples with source ``generator``."""

    name = models.CharField(max_length=100, unique=True)
    generator_kind = models.CharField(max_length=32, help_text="story_world, hf or http.")
    generator_settings = models.JSONField(default=dict, blank=True)
    prompts = models.JSONField(default=list, help_text="The prompts, in order (prompt_index).")
    samples_per_prompt = models.PositiveIntegerField()
    seed = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    error = models.TextField(blank=True)
    skipped = models.PositiveIntegerField(default=0, help_text="Empty or invalid completions not stored.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"generation batch {self.name} ({self.status})"

    @property
    def example_batch(self) -> str:
        """The ``Example.batch`` its completions are stored under."""
        return f"generation-{self.pk}"


class GeneratedSample(models.Model):
    """Provenance of one generated Example: which batch, prompt, sample index and seed made it."""

    # A foreign key, not one-to-one: two samples of a prompt can be the same text (one Example).
    example = models.ForeignKey("labeling.Example", on_delete=models.CASCADE, related_name="generated")
    batch = models.ForeignKey(GenerationBatch, on_delete=models.CASCADE, related_name="samples")
    prompt_index = models.PositiveIntegerField()
    sample_index = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    intended_label = models.SmallIntegerField(
        null=True, blank=True, help_text="What the offline generator composed (1 injurious); never shown."
    )

    class Meta:
        ordering = ("batch_id", "prompt_index", "sample_index")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["batch", "prompt_index", "sample_index"], name="generated_sample_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"sample {self.prompt_index}.{self.sample_index} of batch {self.batch_id}"


class EvaluationKind(models.TextChoices):
    IN_DISTRIBUTION = "in_distribution", "In-distribution test set"
    ADVERSARIAL = "adversarial", "Held-out adversarial set"


class EvaluationSet(models.Model):
    """A fixed set of examples that is never trained on: the in-distribution test set (random
    generator samples) or a held-out adversarial set (one per source and round)."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=EvaluationKind.choices)
    source = models.CharField(max_length=16, blank=True, help_text="Example source of a held-out set.")
    round = models.CharField(max_length=100, blank=True, help_text="Attack round (the attacked version).")
    generation_batch = models.ForeignKey(
        GenerationBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluation_sets"
    )
    label_queue = models.ForeignKey(
        "workqueue.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"evaluation set {self.name}"


class EvaluationSetMember(models.Model):
    """An example in an evaluation set. An example belongs to one set at most: held out once is
    held out everywhere."""

    evaluation_set = models.ForeignKey(EvaluationSet, on_delete=models.CASCADE, related_name="members")
    example = models.OneToOneField("labeling.Example", on_delete=models.PROTECT, related_name="evaluation")
    stratum = models.SmallIntegerField(
        null=True, blank=True, help_text="Score stratum it was drawn from (stratified top-ups)."
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"example {self.example_id} in {self.evaluation_set_id}"


class ThresholdSweep(models.Model):
    """One computed sweep of a version: the rows of ``core.reliability.sweep`` plus the inputs' sizes."""

    classifier_version = models.ForeignKey(
        "ml_worker.ClassifierVersion", on_delete=models.CASCADE, related_name="sweeps"
    )
    rows = models.JSONField(default=list)
    summary = models.JSONField(default=dict, help_text="Sizes of what it used, the design, strata to label.")
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"sweep {self.pk} of v{self.classifier_version_id}"


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ThresholdDecision(models.Model):
    """A proposed threshold for a version with its evidence; approved (the threshold changes, with an
    audit record) or rejected by a manager."""

    classifier_version = models.ForeignKey(
        "ml_worker.ClassifierVersion", on_delete=models.CASCADE, related_name="threshold_decisions"
    )
    previous_threshold = models.FloatField()
    threshold = models.FloatField()
    max_win_rate_upper = models.FloatField(help_text="The quality bound it was chosen under.")
    evidence = models.JSONField(default=dict, help_text="Sweep row, win rate, failure-rate bounds.")
    status = models.CharField(max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(threshold__gt=0.0) & models.Q(threshold__lte=1.0),
                name="threshold_decision_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"threshold {self.threshold:g} for v{self.classifier_version_id} ({self.status})"
