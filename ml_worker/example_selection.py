"""Examples with their latest score: the manager's browse, search and "queue from selection".

This sits on ml_worker's Django side because it is the lowest layer that knows
both examples (``labeling``) and the scores classifier versions gave them;
labeling's :func:`labeling.example_search.example_search` does the rest of the
filtering.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from labeling.example_search import ExampleFilter, example_search
from labeling.models import Example
from ml_worker.models import Score, Unscorable, VersionStatus


@dataclass(frozen=True)
class ExampleSelection(ExampleFilter):
    """An :class:`ExampleFilter` plus a range of the latest score (P(injurious), inclusive)."""

    score_min: float | None = None
    score_max: float | None = None

    def is_empty(self) -> bool:
        """True when nothing narrows it (every example would be selected)."""
        return not any(getattr(self, f.name) not in ("", None) for f in fields(self))

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> ExampleSelection:
        """Build one from validated form or serializer data (unknown keys ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})


def example_selection_search(*, selection: ExampleSelection) -> QuerySet[Example]:
    """Examples matching ``selection``, oldest first, annotated with ``consensus_label``
    and ``latest_score`` / ``latest_score_version`` (the most recent score by any
    classifier version; None when never scored) and ``unscorable`` (why the active version cannot
    score it; None when it can or has not tried). A score range leaves unscored examples out."""
    latest = Score.objects.filter(example=OuterRef("pk")).order_by("-created_at", "-id")
    refused = Unscorable.objects.filter(
        example=OuterRef("pk"), classifier_version__status=VersionStatus.ACTIVE
    )
    examples = example_search(selection=selection).annotate(
        latest_score=Subquery(latest.values("probability")[:1]),
        latest_score_version=Subquery(latest.values("classifier_version__name")[:1]),
        unscorable=Subquery(refused.values("reason")[:1]),
    )
    if selection.score_min is not None:
        examples = examples.filter(latest_score__gte=selection.score_min)
    if selection.score_max is not None:
        examples = examples.filter(latest_score__lte=selection.score_max)
    return examples
