from django.contrib import admin

from attacks.models import (
    AdversarialEvaluation,
    AdversarialExample,
    AttackBatch,
    AttackSubmission,
    ParaphraseBatch,
    ParaphraseCandidate,
    RewriteEdit,
    RewriteSession,
)
from gauntlet.common.admin import ReadOnlyAdmin


class RewriteEditInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RewriteEdit
    extra = 0
    can_delete = False
    fields = ("seq", "tool", "score", "completion", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RewriteSession)
class RewriteSessionAdmin(ReadOnlyAdmin):
    list_display = ("id", "contractor", "seed", "classifier_version", "condition", "status")
    list_filter = ("condition", "status", "classifier_version")
    search_fields = ("contractor__email",)
    list_select_related = ("contractor", "classifier_version")
    inlines = (RewriteEditInline,)


@admin.register(RewriteEdit)
class RewriteEditAdmin(ReadOnlyAdmin):
    list_display = ("id", "session", "seq", "tool", "score", "created_at")
    list_filter = ("tool",)


@admin.register(AttackSubmission)
class AttackSubmissionAdmin(ReadOnlyAdmin):
    list_display = ("id", "example", "source", "author", "classifier_version", "score", "status")
    list_filter = ("source", "status", "classifier_version")
    search_fields = ("author__email",)
    list_select_related = ("author", "classifier_version")


@admin.register(AdversarialExample)
class AdversarialExampleAdmin(ReadOnlyAdmin):
    list_display = ("id", "example", "source", "author", "classifier_version", "score", "round")
    list_filter = ("source", "round", "classifier_version")
    search_fields = ("author__email",)
    list_select_related = ("author", "classifier_version")


@admin.register(ParaphraseBatch)
class ParaphraseBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "selection", "k", "paraphraser", "classifier_version", "status")
    list_filter = ("status", "paraphraser")


@admin.register(AttackBatch)
class AttackBatchAdmin(ReadOnlyAdmin):
    """Automated word-importance attack batches (a proxy of paraphrase batches)."""

    list_display = ("id", "selection", "classifier_version", "status")
    list_filter = ("status",)


@admin.register(ParaphraseCandidate)
class ParaphraseCandidateAdmin(ReadOnlyAdmin):
    list_display = ("id", "batch", "source", "score", "status", "created_at")
    list_filter = ("status",)


@admin.register(AdversarialEvaluation)
class AdversarialEvaluationAdmin(ReadOnlyAdmin):
    list_display = ("id", "adversarial_example", "classifier_version", "score", "threshold", "passes")
    list_filter = ("passes", "classifier_version")
