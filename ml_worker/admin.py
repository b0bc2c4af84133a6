from django.contrib import admin

from gauntlet.common.admin import ReadOnlyAdmin
from ml_worker.models import ClassifierVersion, Score, TrainingRun, Unscorable
from ml_worker.reliability.models import (
    EvaluationSet,
    EvaluationSetMember,
    GeneratedSample,
    GenerationBatch,
    ThresholdDecision,
    ThresholdSweep,
)


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(ReadOnlyAdmin):
    """Promotion and thresholds go through the API (they queue re-scoring); here managers look."""

    list_display = ("id", "name", "status", "threshold", "base_model", "created_at", "promoted_at")
    list_filter = ("status",)
    search_fields = ("name", "artifact_uri", "data_hash")


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("id", "example", "classifier_version", "probability", "created_at")
    list_filter = ("classifier_version",)
    search_fields = ("content_hash",)
    list_select_related = ("classifier_version",)


@admin.register(Unscorable)
class UnscorableAdmin(ReadOnlyAdmin):
    list_display = ("id", "example", "classifier_version", "reason", "created_at")
    list_filter = ("classifier_version",)
    search_fields = ("content_hash", "reason")
    list_select_related = ("classifier_version",)


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "version", "status", "attempts", "created_at")
    list_filter = ("status",)
    list_select_related = ("version",)


# Reliability records change through their services (generation, sweeps, audited threshold
# decisions); the admin browses them.
@admin.register(GenerationBatch)
class GenerationBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "generator_kind", "samples_per_prompt", "status", "created_at")
    list_filter = ("status", "generator_kind")


@admin.register(GeneratedSample)
class GeneratedSampleAdmin(ReadOnlyAdmin):
    list_display = ("id", "batch", "prompt_index", "sample_index", "seed", "example")
    raw_id_fields = ("example",)


@admin.register(EvaluationSet)
class EvaluationSetAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "kind", "source", "round", "created_at")
    list_filter = ("kind",)


@admin.register(EvaluationSetMember)
class EvaluationSetMemberAdmin(ReadOnlyAdmin):
    list_display = ("id", "evaluation_set", "example", "stratum", "added_at")
    raw_id_fields = ("example",)


@admin.register(ThresholdSweep)
class ThresholdSweepAdmin(ReadOnlyAdmin):
    list_display = ("id", "classifier_version", "computed_at")


@admin.register(ThresholdDecision)
class ThresholdDecisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "classifier_version", "previous_threshold", "threshold", "status", "decided_by")
    list_filter = ("status",)
