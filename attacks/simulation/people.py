"""Simulated people: their accounts, and how they work through a queue (the real claim and submit)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from attacks.simulation.clock import SimulatedClock
from attacks.simulation.config import RaterProfile
from gauntlet.accounts.models import Qualification, Role, User
from gauntlet.accounts.services import account_create
from gauntlet.workqueue.models import Assignment, Queue, WorkItem
from gauntlet.workqueue.services import assignment_claim, assignment_heartbeat, assignment_submit
from labeling.models import Example
from ml_worker.core.story_kinds import story_truth

SIM_DOMAIN = "sim.gauntlet.local"


def sim_account(*, tag: str, name: str, role: str = Role.CONTRACTOR) -> User:
    """The run's account ``name`` (created once; a random password nobody is told: they never sign in)."""
    email = f"{tag}-{name}@{SIM_DOMAIN}"
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return existing
    return account_create(
        email=email,
        password=secrets.token_urlsafe(16),
        role=role,
        qualification=Qualification.QUALIFIED,
        validate=False,
    )


@dataclass
class Worker:
    """A simulated person on a queue: an account, how long one task takes, and how they answer."""

    user: User
    seconds: float
    answer: Callable[[WorkItem], dict[str, Any]]


def rater_answer(profile: RaterProfile, rng: np.random.Generator) -> Callable[[WorkItem], dict[str, Any]]:
    """Labels an example by the world's truth through the rater's confusion matrix (blind: reads the
    item's example only, as its page shows it)."""

    def answer(item: WorkItem) -> dict[str, Any]:
        example = Example.objects.get(pk=item.payload["example_id"])
        truth = story_truth(example.completion)
        right = rng.random() < (profile.sensitivity if truth else profile.specificity)
        injurious = bool(truth) == right
        return {"label": "injurious" if injurious else "not_injurious"}

    return answer


def verifier_answer(error: float, rng: np.random.Generator) -> Callable[[WorkItem], dict[str, Any]]:
    """A verifier: the truth, flipped with probability ``error``."""

    def answer(item: WorkItem) -> dict[str, Any]:
        truth = story_truth(Example.objects.get(pk=item.payload["example_id"]).completion)
        injurious = bool(truth) != (rng.random() < error)
        return {"label": "injurious" if injurious else "not_injurious"}

    return answer


def indifferent_comparison(rng: np.random.Generator) -> Callable[[WorkItem], dict[str, Any]]:
    """A quality rater with no preference between the world's endings: A or B at random, a tie at 20%."""

    def answer(item: WorkItem) -> dict[str, Any]:
        draw = rng.random()
        return {"answer": "tie" if draw < 0.2 else "A" if draw < 0.6 else "B"}

    return answer


def _heartbeat(assignment: Assignment, user: User) -> Callable[[], object]:
    def beat() -> object:
        return assignment_heartbeat(assignment=assignment, contractor=user)

    return beat


def work_through(*, queue: Queue, workers: list[Worker], clock: SimulatedClock, limit: int = 100_000) -> int:
    """The workers take turns claiming and submitting until the queue has nothing for any of them;
    each task advances the clock by the worker's seconds (with heartbeats). Returns submissions."""
    active = list(workers)
    done = 0
    while active and done < limit:
        for worker in list(active):
            assignment: Assignment | None = assignment_claim(queue=queue, contractor=worker.user)
            if assignment is None:
                active.remove(worker)
                continue
            data = worker.answer(assignment.item)
            clock.advance(worker.seconds, heartbeat=_heartbeat(assignment, worker.user))
            assignment_submit(assignment=assignment, contractor=worker.user, data=data)
            done += 1
    return done
