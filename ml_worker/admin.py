from django.contrib import admin

from gauntlet.common.admin import ReadOnlyAdmin
from ml_worker.models import ClassifierVersion, Score, TrainingRun


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


@admin.register(TrainingRun)
class TrainingRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "version", "status", "attempts", "created_at")
    list_filter = ("status",)
    list_select_related = ("version",)
