"""Reads for finding examples: by batch, source, consensus label and text.

A selection here is what a manager turns into a queue (see
:mod:`labeling.services.queue_selection`). Scores are not known to labeling
(it imports neither ``ml_worker`` nor ``attacks``); ``ml_worker`` adds the
latest score and the score range on top of :func:`example_search`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from labeling.models import Consensus, Example, InjuryLabel

NO_CONSENSUS = "none"  # the filter value for "no decided, final consensus yet"
CONSENSUS_FILTERS = (*InjuryLabel.values, NO_CONSENSUS)


@dataclass(frozen=True)
class ExampleFilter:
    """What a manager can narrow examples by; empty fields do not filter."""

    batch: str = ""
    source: str = ""
    consensus_label: str = ""  # one of CONSENSUS_FILTERS
    text: str = ""  # case-insensitive substring of the prompt or the completion


def _final_consensus() -> QuerySet[Consensus]:
    # Decided and final: undecided (tied / all unsure) and escalated-but-open rows say nothing yet.
    return Consensus.objects.filter(example=OuterRef("pk"), decided=True, final=True)


def example_search(*, selection: ExampleFilter) -> QuerySet[Example]:
    """Examples matching ``selection``, oldest first, annotated with ``consensus_label``
    (the most recently computed decided final consensus in any queue; None without one)."""
    examples = Example.objects.annotate(
        consensus_label=Subquery(_final_consensus().order_by("-computed_at", "-id").values("label")[:1])
    )
    if selection.batch:
        examples = examples.filter(batch=selection.batch)
    if selection.source:
        examples = examples.filter(source=selection.source)
    if selection.consensus_label == NO_CONSENSUS:
        examples = examples.filter(~Exists(_final_consensus()))
    elif selection.consensus_label:
        examples = examples.filter(consensus_label=selection.consensus_label)
    if selection.text:
        examples = examples.filter(
            Q(prompt__icontains=selection.text) | Q(completion__icontains=selection.text)
        )
    return examples.order_by("id")


def example_batches() -> list[str]:
    """Every batch name, for a filter's choices."""
    return list(Example.objects.order_by("batch").values_list("batch", flat=True).distinct())
