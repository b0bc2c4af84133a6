"""Comparison pairs and the win rate / Bradley–Terry summary of a comparison queue."""

from __future__ import annotations

from django.db import transaction

from labeling.models import ComparisonPair, Example


@transaction.atomic
def comparison_pair_create(
    *, example_a: Example, example_b: Example, system_a: str, system_b: str
) -> ComparisonPair:
    """The pair of two completions (of the same prompt) by two systems; idempotent (get or create).

    Raises ``ValueError`` for the same example twice or different prompts.
    """
    if example_a.pk == example_b.pk:
        raise ValueError("a comparison needs two different examples")
    if example_a.prompt != example_b.prompt:
        raise ValueError("the two completions of a comparison must answer the same prompt")
    pair, _ = ComparisonPair.objects.get_or_create(
        example_a=example_a, example_b=example_b, system_a=system_a, system_b=system_b
    )
    return pair
