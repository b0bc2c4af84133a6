"""Attacks: rewrite sessions and their edits, submissions and their verification outcome,
the adversarial-example registry, paraphrase batches, and the robustness matrix.

An attack's life: a contractor claims a seed in a ``rewrite`` queue, which opens a
:class:`RewriteSession` against the active classifier version; every edit is scored
and kept as a :class:`RewriteEdit`; a submit that passes the classifier creates an
Example and an :class:`AttackSubmission` that waits on a ``verification`` queue.
Consensus "injurious" turns it into an :class:`AdversarialExample`; "not injurious"
marks it failed, with feedback for the author. Paraphrase batches make submissions
too (no author). :class:`AdversarialEvaluation` scores every adversarial example
under every classifier version (the matrix).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q


class Condition(models.TextChoices):
    MANUAL = "manual", "Manual (live score only)"
    TOOL_ASSISTED = "tool_assisted", "Tool-assisted (score, saliency, substitutions)"


class SessionStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    ABANDONED = "abandoned", "Abandoned"


class EditTool(models.TextChoices):
    SEED = "seed", "Seed (the starting text)"
    TYPED = "typed", "Typed"
    SUBSTITUTION = "substitution", "Token substitution"
    INSERTION = "insertion", "Insertion"
    DELETION = "deletion", "Deletion"


class RewriteSession(models.Model):
    """One contractor's attempt on one seed, against one classifier version.

    Active time is the rewrite assignment's ``active_seconds`` (heartbeats), not stored here.
    """

    assignment = models.OneToOneField(
        "workqueue.Assignment", on_delete=models.CASCADE, related_name="rewrite_session"
    )
    contractor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rewrite_sessions"
    )
    seed = models.ForeignKey("labeling.Example", on_delete=models.PROTECT, related_name="rewrite_sessions")
    classifier_version = models.ForeignKey(
        "ml_worker.ClassifierVersion", on_delete=models.PROTECT, related_name="rewrite_sessions"
    )
    threshold = models.FloatField(help_text="The attacked version's threshold when the session opened.")
    condition = models.CharField(max_length=16, choices=Condition.choices)
    current_prompt = models.TextField()
    current_completion = models.TextField()
    current_score = models.FloatField()
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.OPEN)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    result = models.ForeignKey(
        "labeling.Example", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("-id",)
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["contractor", "status"], name="rewrite_session_contractor"),
        ]

    def __str__(self) -> str:
        return f"rewrite session {self.pk} ({self.status})"


class RewriteEdit(models.Model):
    """One scored state of a session's text (seq 0 is the seed)."""

    session = models.ForeignKey(RewriteSession, on_delete=models.CASCADE, related_name="edits")
    seq = models.PositiveIntegerField()
    prompt = models.TextField()
    completion = models.TextField()
    score = models.FloatField()
    tool = models.CharField(max_length=16, choices=EditTool.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("session", "seq")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["session", "seq"], name="rewrite_edit_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"edit {self.seq} of session {self.session_id}"


class AttackSource(models.TextChoices):
    MANUAL = "manual", "Manual rewrite"
    TOOL_ASSISTED = "tool_assisted", "Tool-assisted rewrite"
    PARAPHRASE = "paraphrase", "Automatic paraphrase"
    WORD_ATTACK = "word_attack", "Automated word-importance attack"


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", "Awaiting verification"
    VERIFIED = "verified", "Verified injurious (adversarial example)"
    FAILED = "failed", "Failed: verifiers judged it not injurious"
    UNDECIDED = "undecided", "Verifiers could not decide"


class AttackSubmission(models.Model):
    """An Example that passed the attacked classifier and went to verification."""

    example = models.OneToOneField(
        "labeling.Example", on_delete=models.PROTECT, related_name="attack_submission"
    )
    source = models.CharField(max_length=16, choices=AttackSource.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attack_submissions",
    )
    session = models.OneToOneField(
        RewriteSession, null=True, blank=True, on_delete=models.PROTECT, related_name="submission"
    )
    classifier_version = models.ForeignKey(
        "ml_worker.ClassifierVersion", on_delete=models.PROTECT, related_name="attack_submissions"
    )
    score = models.FloatField(help_text="The attacked version's score, computed by the server at submission.")
    threshold = models.FloatField()
    verification_item = models.ForeignKey(
        "workqueue.WorkItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING
    )
    feedback = models.TextField(blank=True, help_text="What the author sees about the outcome.")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["author", "status"], name="attack_submission_author"),
        ]

    def __str__(self) -> str:
        return f"submission {self.pk} ({self.status})"


class AdversarialExample(models.Model):
    """Scored below the attacked version's threshold *and* judged injurious by verification."""

    example = models.OneToOneField("labeling.Example", on_delete=models.PROTECT, related_name="adversarial")
    submission = models.OneToOneField(AttackSubmission, on_delete=models.PROTECT, related_name="adversarial")
    classifier_version = models.ForeignKey(
        "ml_worker.ClassifierVersion", on_delete=models.PROTECT, related_name="adversarial_examples"
    )
    score = models.FloatField()
    session = models.OneToOneField(
        RewriteSession, null=True, blank=True, on_delete=models.PROTECT, related_name="adversarial"
    )
    source = models.CharField(max_length=16, choices=AttackSource.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adversarial_examples",
    )
    round = models.CharField(max_length=100, help_text="The attack round: the attacked version's name.")
    confidence = models.FloatField(help_text="Verification consensus confidence.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"adversarial example {self.pk} on {self.round}"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ParaphraseBatch(models.Model):
    sources = models.JSONField(help_text="Source example ids.")
    selection = models.JSONField(default=dict, blank=True, help_text="How the sources were chosen.")
    k = models.PositiveSmallIntegerField()
    paraphraser = models.CharField(max_length=16, help_text="lexical, hf or http.")
    paraphraser_config = models.JSONField(default=dict, blank=True)
    classifier_version = models.ForeignKey(
        "ml_worker.ClassifierVersion", on_delete=models.PROTECT, related_name="paraphrase_batches"
    )
    verification_queue = models.ForeignKey("workqueue.Queue", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"paraphrase batch {self.pk} ({self.status})"


class AttackBatchManager(models.Manager["AttackBatch"]):
    def get_queryset(self) -> models.QuerySet[AttackBatch]:
        return super().get_queryset().filter(paraphraser="word_attack")


class AttackBatch(ParaphraseBatch):
    """An automated word-importance attack batch: a ParaphraseBatch whose generator is the attack
    (``paraphraser = "word_attack"``, its settings in ``paraphraser_config``), one candidate per source."""

    objects: ClassVar[AttackBatchManager] = AttackBatchManager()  # type: ignore[assignment]

    class Meta:
        proxy = True

    def __str__(self) -> str:
        return f"attack batch {self.pk} ({self.status})"


class CandidateStatus(models.TextChoices):
    DUPLICATE = "duplicate", "Duplicate (dropped)"
    REJECTED = "rejected", "Caught by the classifier"
    PASSED = "passed", "Passed the classifier (sent to verification)"


class ParaphraseCandidate(models.Model):
    batch = models.ForeignKey(ParaphraseBatch, on_delete=models.CASCADE, related_name="candidates")
    source = models.ForeignKey("labeling.Example", on_delete=models.PROTECT, related_name="+")
    prompt = models.TextField()
    completion = models.TextField()
    score = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=CandidateStatus.choices)
    queries = models.PositiveIntegerField(
        null=True, blank=True, help_text="Pairs the classifier scored for this attempt (automated attacks)."
    )
    submission = models.OneToOneField(
        AttackSubmission, null=True, blank=True, on_delete=models.SET_NULL, related_name="candidate"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["batch", "source"], name="paraphrase_candidate_source"),
        ]

    def __str__(self) -> str:
        return f"candidate {self.pk} ({self.status})"


class AdversarialEvaluation(models.Model):
    """One cell input of the matrix: an adversarial example scored by one classifier version."""

    adversarial_example = models.ForeignKey(
        AdversarialExample, on_delete=models.CASCADE, related_name="evaluations"
    )
    classifier_version = models.ForeignKey(
        "ml_worker.ClassifierVersion", on_delete=models.CASCADE, related_name="adversarial_evaluations"
    )
    score = models.FloatField()
    threshold = models.FloatField(help_text="The version's threshold when ``passes`` was computed.")
    passes = models.BooleanField(help_text="Still passes (score below threshold): the attack still works.")
    evaluated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["adversarial_example", "classifier_version"], name="adversarial_evaluation_unique"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="adversarial_score_prob"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.adversarial_example_id} × {self.classifier_version_id}: {self.score:.3f}"
