from django.contrib import admin

from gauntlet.common.admin import ReadOnlyAdmin
from labeling.models import Comparison, ComparisonPair, Consensus, Example, ImportJob, Label


@admin.register(Example)
class ExampleAdmin(ReadOnlyAdmin):
    """Examples are immutable once labelled: an edit is a new Example (via import or a rewrite)."""

    list_display = ("id", "batch", "source", "imported_label", "author", "parent", "created_at")
    list_filter = ("source", "imported_label", "batch")
    search_fields = ("prompt", "completion", "external_id", "content_hash")
    list_select_related = ("author",)


@admin.register(Label)
class LabelAdmin(ReadOnlyAdmin):
    list_display = ("id", "example", "queue", "rater", "value", "rejected")
    list_filter = ("value", "rejected", "queue")
    search_fields = ("rater__email", "note")
    list_select_related = ("rater", "queue")


@admin.register(ComparisonPair)
class ComparisonPairAdmin(ReadOnlyAdmin):
    list_display = ("id", "example_a", "example_b", "system_a", "system_b", "created_at")
    search_fields = ("system_a", "system_b")


@admin.register(Comparison)
class ComparisonAdmin(ReadOnlyAdmin):
    list_display = ("id", "pair", "queue", "rater", "shown_first", "answer_shown", "outcome")
    list_filter = ("outcome", "queue")
    list_select_related = ("rater", "queue")


@admin.register(Consensus)
class ConsensusAdmin(ReadOnlyAdmin):
    list_display = ("id", "example", "queue", "label", "decided", "final", "method", "confidence")
    list_filter = ("label", "decided", "final", "method", "queue")
    list_select_related = ("queue",)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Background imports: what was uploaded, how far it got, what landed and why a job failed."""

    list_display = ("id", "state", "source_name", "batch", "rows_total", "rows_landed", "created", "invalid")
    list_filter = ("state",)
    search_fields = ("source_name", "batch", "message")
    list_select_related = ("created_by",)
