"""How big a simulated run is, and who works in it (plain dataclasses; presets by name)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class RaterProfile:
    """A simulated rater: P(says injurious | injurious), P(says not injurious | not), seconds per label."""

    sensitivity: float
    specificity: float
    seconds: float


@dataclass(frozen=True)
class AttackerProfile:
    """A simulated attacker. ``think_seconds`` before each edit they type (manual) or each tool answer
    they read (tool-assisted); ``misjudge`` is how often they wrongly believe an edit kept the injury."""

    condition: str  # manual | tool_assisted
    think_seconds: float
    misjudge: float = 0.1


@dataclass(frozen=True)
class SimulationConfig:
    pool_prompts: int = 200  # training pool: prompts × pool_samples generated, labelled, trained on
    pool_samples: int = 2
    pool_injury_rate: float = 0.4
    label_overlap: int = 3
    test_prompts: int = 60  # in-distribution test set: prompts × test_samples, labelled, never trained on
    test_samples: int = 4
    test_injury_rate: float = 0.2
    baseline_epochs: int = 3
    retrain_epochs: int = 2
    batch_size: int = 16
    seeds_per_attacker: int = 3  # rewrite seeds each attacker gets per round
    attempt_minutes: float = 20.0  # an attacker gives a seed up after this long
    word_attack_sources: int = 20
    word_attack_queries: int = 100
    word_attack_seconds_per_query: float = 0.05  # simulated machine time of one classifier query
    verify_overlap: int = 3
    verifier_error: float = 0.05
    verifier_seconds: float = 30.0
    quality_bound: float = 0.65  # calibration: max upper 95% bound of the unfiltered win rate
    quality_min_pairs: int = 20
    hourly_rate: Decimal = Decimal("20.00")
    bonus: Decimal = Decimal("2.00")
    label_pay: Decimal = Decimal("0.10")
    raters: tuple[RaterProfile, ...] = (
        RaterProfile(0.95, 0.97, 25.0),
        RaterProfile(0.92, 0.95, 35.0),
        RaterProfile(0.97, 0.93, 20.0),
        RaterProfile(0.90, 0.98, 40.0),
        RaterProfile(0.94, 0.96, 30.0),
    )
    attackers: tuple[AttackerProfile, ...] = (
        AttackerProfile("manual", 80.0, 0.10),
        AttackerProfile("manual", 110.0, 0.05),
        AttackerProfile("manual", 95.0, 0.15),
        AttackerProfile("tool_assisted", 30.0, 0.10),
        AttackerProfile("tool_assisted", 45.0, 0.05),
        AttackerProfile("tool_assisted", 35.0, 0.15),
    )
    verifiers: int = 5
    bootstrap: int = 2000

    def __post_init__(self) -> None:
        """Refuse sizes the run cannot use before it writes anything."""
        at_least_one = (
            *("pool_prompts", "pool_samples", "test_prompts", "test_samples", "label_overlap"),
            *("verify_overlap", "verifiers", "baseline_epochs", "retrain_epochs", "batch_size"),
        )
        for name in at_least_one:
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("seeds_per_attacker", "word_attack_sources"):
            if int(getattr(self, name)) < 0:
                raise ValueError(f"{name} must not be negative, not {getattr(self, name)}")


PRESETS = {
    "standard": SimulationConfig(),
    # demo_setup's first round: minutes, enough for every manager page to have content.
    "demo": SimulationConfig(
        pool_prompts=150,
        test_prompts=50,
        test_samples=3,
        quality_bound=0.7,  # the demo manager's bound: ~50 pairs per compared threshold
        seeds_per_attacker=2,
        attempt_minutes=15.0,
        word_attack_sources=10,
        attackers=(
            AttackerProfile("manual", 80.0, 0.10),
            AttackerProfile("manual", 110.0, 0.05),
            AttackerProfile("tool_assisted", 30.0, 0.10),
            AttackerProfile("tool_assisted", 45.0, 0.05),
        ),
        verifiers=3,
    ),
    # The test's: seconds on the tiny random classifier, every step still taken.
    "tiny": SimulationConfig(
        pool_prompts=16,
        pool_samples=2,
        pool_injury_rate=0.5,
        label_overlap=1,
        test_prompts=8,
        test_samples=3,
        test_injury_rate=0.4,
        baseline_epochs=1,
        retrain_epochs=1,
        seeds_per_attacker=1,
        attempt_minutes=4.0,
        word_attack_sources=2,
        word_attack_queries=20,
        verify_overlap=1,
        quality_min_pairs=1,
        quality_bound=0.99,
        attackers=(AttackerProfile("manual", 60.0), AttackerProfile("tool_assisted", 30.0)),
        verifiers=2,
        bootstrap=200,
    ),
}


def simulation_config(preset: str = "standard", **overrides: object) -> SimulationConfig:
    """A preset with some fields replaced (unknown presets or fields raise ValueError/TypeError)."""
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}, not {preset!r}")
    changes: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    return replace(PRESETS[preset], **changes)


__all__ = ["AttackerProfile", "RaterProfile", "SimulationConfig", "simulation_config"]
