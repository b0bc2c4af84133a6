"""One simulated run's world (accounts, data, queues) and its steps: label, train, calibrate, attack, verify.

Every step calls the platform's own services: nothing here writes a label, a score, a threshold or an
adversarial example except through them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from attacks.kinds import REWRITE, VERIFICATION
from attacks.services.word_attack import attack_batch_create, attack_batch_run
from attacks.simulation.attackers import Attempt, SimulatedAttacker
from attacks.simulation.clock import SimulatedClock
from attacks.simulation.config import SimulationConfig
from attacks.simulation.people import (
    Worker,
    indifferent_comparison,
    rater_answer,
    sim_account,
    verifier_answer,
    work_through,
)
from gauntlet.accounts.models import Role, User
from gauntlet.errors import DomainError
from gauntlet.payments.services import assignments_auto_approve_due
from gauntlet.workqueue.models import PayMode, Queue, QueueState
from gauntlet.workqueue.services import items_add, queue_create, queue_set_state
from labeling.kinds import INJURY_LABEL
from labeling.models import Consensus, Example, InjuryLabel
from labeling.services.queue_selection import queue_items_add_examples
from ml_worker.core.calibration import roc_auc, threshold_for_recall
from ml_worker.core.story_kinds import story_truth
from ml_worker.models import ClassifierVersion
from ml_worker.reliability import selectors as reliability
from ml_worker.reliability.models import EvaluationSet, GenerationBatch
from ml_worker.reliability.services.calibration import threshold_decision_approve, threshold_decision_propose
from ml_worker.reliability.services.evaluation import in_distribution_set_create
from ml_worker.reliability.services.generation import generation_batch_create, generation_batch_execute
from ml_worker.reliability.services.quality import quality_comparisons_create
from ml_worker.reliability.services.sweep import threshold_sweep_compute
from ml_worker.services.training import training_run_create, training_run_execute

CONDITIONS = ("manual", "tool_assisted")


@dataclass
class SimulationWorld:
    tag: str
    config: SimulationConfig
    clock: SimulatedClock
    rng: np.random.Generator
    manager: User
    raters: list[Worker]
    verifiers: list[Worker]
    quality_raters: list[Worker]
    attackers: list[SimulatedAttacker]
    pool: list[int]  # example ids of the labelled training pool
    test_batch: GenerationBatch
    test_set: EvaluationSet
    verification_queue: Queue
    word_attack_batches: dict[int, int] = field(default_factory=dict)  # version id -> batch id


def _queue(manager: User, name: str, kind: str, **fields: Any) -> Queue:
    queue = queue_create(created_by=manager, name=name[:200], kind=kind, auto_approve_seconds=0, **fields)
    return queue_set_state(queue=queue, state=QueueState.OPEN)


def _generate(
    tag: str, name: str, manager: User, prompts: int, k: int, rate: float, seed: int
) -> GenerationBatch:
    batch = generation_batch_create(
        name=f"{tag}-{name}",
        generator_kind="story_world",
        generator_settings={"injury_rate": rate, "world": "kinds"},
        n_prompts=prompts,
        samples_per_prompt=k,
        seed=seed,
        created_by=manager,
        enqueue=False,
    )
    return generation_batch_execute(batch_id=batch.pk)


def world_create(*, tag: str, config: SimulationConfig, seed: int, clock: SimulatedClock) -> SimulationWorld:
    """Accounts, the training pool and the in-distribution test set (both generated and labelled by the
    simulated raters through their queues) and the verification queue."""
    rng = np.random.default_rng(seed)
    manager = sim_account(tag=tag, name="manager", role=Role.MANAGER)
    raters = [
        Worker(sim_account(tag=tag, name=f"rater{i}"), p.seconds, rater_answer(p, rng))
        for i, p in enumerate(config.raters)
    ]
    verifiers = [
        Worker(
            sim_account(tag=tag, name=f"verifier{i}"),
            config.verifier_seconds,
            verifier_answer(config.verifier_error, rng),
        )
        for i in range(config.verifiers)
    ]
    quality = [Worker(w.user, w.seconds, indifferent_comparison(rng)) for w in raters]
    attackers = [
        SimulatedAttacker(user=sim_account(tag=tag, name=f"{p.condition}-attacker{i}"), profile=p, rng=rng)
        for i, p in enumerate(config.attackers)
    ]
    pool_batch = _generate(
        tag, "pool", manager, config.pool_prompts, config.pool_samples, config.pool_injury_rate, seed
    )
    pool = sorted(set(pool_batch.samples.values_list("example_id", flat=True)))
    labels = _queue(
        manager,
        f"{tag}: pool labels",
        INJURY_LABEL,
        overlap=config.label_overlap,
        pay_per_task=config.label_pay,
    )
    queue_items_add_examples(queue=labels, examples=Example.objects.filter(pk__in=pool))
    work_through(queue=labels, workers=raters, clock=clock)
    test_batch = _generate(
        tag, "test", manager, config.test_prompts, config.test_samples, config.test_injury_rate, seed + 1
    )
    test_set = in_distribution_set_create(
        batch=test_batch,
        n_samples=config.test_prompts * config.test_samples,
        seed=seed,
        created_by=manager,
        name=f"{tag}-test",
        overlap=config.label_overlap,
    )
    if test_set.label_queue is None:  # in_distribution_set_create always makes one
        raise RuntimeError("the test set has no label queue")
    work_through(queue=test_set.label_queue, workers=raters, clock=clock)
    verification = _queue(
        manager,
        f"{tag}: verification",
        VERIFICATION,
        overlap=config.verify_overlap,
        pay_per_task=config.label_pay,
        kind_settings={"fillers_per_submission": 1},
    )
    return SimulationWorld(
        tag,
        config,
        clock,
        rng,
        manager,
        raters,
        verifiers,
        quality,
        attackers,
        pool,
        test_batch,
        test_set,
        verification,
    )


def version_train(
    world: SimulationWorld, *, name: str, parent: ClassifierVersion | None
) -> ClassifierVersion:
    """The real training path on every decided consensus label of the run's own queues (its pool's
    labels, its verifications; held-out sets excluded), promoted: what else the database holds (the
    demo's data, an earlier run's) stays out, so a seed gives the same run on any database."""
    config = world.config
    own = list(Queue.objects.filter(name__startswith=f"{world.tag}:").values_list("pk", flat=True))
    run = training_run_create(
        created_by=world.manager,
        from_version=parent,
        name=name,
        config={
            "epochs": config.retrain_epochs if parent else config.baseline_epochs,
            "batch_size": config.batch_size,
            "seed": int(world.rng.integers(1_000_000)),
            "promote": True,
            "queues": own,
        },
        enqueue=False,
    )
    training_run_execute(run_id=run.pk)
    return ClassifierVersion.objects.get(pk=run.version_id)


def version_calibrate(world: SimulationWorld, version: ClassifierVersion) -> dict[str, Any]:
    """The real calibration: sweep, quality comparisons judged by the simulated quality raters at the
    thresholds that keep 98% and 95% recall on the labelled in-distribution test set (its consensus
    labels, as a manager has them), the proposal within the quality bound (the lower one when both
    qualify), the manager's approval."""
    config = world.config
    threshold_sweep_compute(version=version, n_bootstrap=200)
    ids = list(world.test_set.members.values_list("example_id", flat=True))
    labels = reliability.decided_labels(ids)
    scores = reliability.scores_of(version=version, example_ids=ids)
    kept = [e for e in ids if e in labels and e in scores]
    y = np.array([labels[e] for e in kept])
    s = np.array([scores[e] for e in kept])
    compared: list[float] = []
    for recall in (0.98, 0.95) if y.sum() else ():
        threshold = round(threshold_for_recall(s, y, recall), 6)
        if not 0.0 < threshold <= 1.0 or threshold in compared:
            continue
        try:
            queue, _ = quality_comparisons_create(
                version=version, threshold=threshold, batch=world.test_batch, created_by=world.manager
            )
        except DomainError:
            continue  # no prompt has an accepted sample there
        work_through(queue=queue, workers=world.quality_raters, clock=world.clock)
        compared.append(threshold)
    outcome: dict[str, Any] = {"compared_thresholds": compared, "previous_threshold": version.threshold}
    try:
        decision = threshold_decision_propose(
            version=version,
            max_win_rate_upper=config.quality_bound,
            min_pairs=config.quality_min_pairs,
            proposed_by=world.manager,
        )
        threshold_decision_approve(decision=decision, approver=world.manager, note="simulated sign-off")
        outcome["threshold_decision"] = decision.pk
    except DomainError as error:
        outcome["threshold_decision"] = None
        outcome["not_calibrated"] = str(error)
    version.refresh_from_db()
    sweep = threshold_sweep_compute(version=version, n_bootstrap=200, score=False)
    outcome["threshold"] = version.threshold
    outcome["sweep"] = sweep.pk
    outcome["failure_rate"] = (reliability.sweep_row_at(sweep.rows, version.threshold) or {}).get(
        "failure_rate"
    )
    return outcome


def held_out_auc(world: SimulationWorld, version: ClassifierVersion) -> float | None:
    """ROC AUC on the in-distribution test set against the world's truth (never trained on)."""
    members = dict(
        Example.objects.filter(evaluation__evaluation_set=world.test_set).values_list("pk", "completion")
    )
    scores = reliability.scores_of(version=version, example_ids=list(members))
    kept = [e for e in members if e in scores]
    return roc_auc([scores[e] for e in kept], [story_truth(members[e]) for e in kept])


def _seeds(world: SimulationWorld, n: int, taken: set[int]) -> list[int]:
    """Injurious pool examples (decided consensus) to attack, drawn at random, never two conditions'."""
    injurious = sorted(
        set(
            Consensus.objects.filter(
                example_id__in=world.pool, label=InjuryLabel.INJURIOUS, decided=True, final=True
            ).values_list("example_id", flat=True)
        )
        - taken
    )
    if not injurious:
        return []
    picked = world.rng.choice(injurious, size=min(n, len(injurious)), replace=False)
    return sorted(int(i) for i in picked)


def version_attack(world: SimulationWorld, version: ClassifierVersion, round_number: int) -> dict[str, Any]:
    """Simulated attackers on rewrite queues (one per condition) and a word-attack batch against the
    active ``version``; then the verifiers work the verification queue and the manager's pay approvals
    run. Returns what each attempt cost in simulated time."""
    config = world.config
    taken: set[int] = set()
    attempts: list[Attempt] = []
    for condition in CONDITIONS:
        people = [a for a in world.attackers if a.profile.condition == condition]
        seeds = _seeds(world, len(people) * config.seeds_per_attacker, taken)
        taken |= set(seeds)
        queue = _queue(
            world.manager,
            f"{world.tag} r{round_number}: {condition} rewrites of {version.name}",
            REWRITE,
            overlap=1,
            pay_mode=PayMode.HOURLY,
            hourly_rate=config.hourly_rate,
            bonus_amount=config.bonus,
            lease_seconds=int(config.attempt_minutes * 60) + 900,
            kind_settings={"condition": condition, "verification_queue_id": world.verification_queue.pk},
        )
        items_add(queue=queue, items=[{"payload": {"example_id": e}} for e in seeds])
        for _ in range(config.seeds_per_attacker):
            for attacker in people:
                attempt = attacker.attack(queue=queue, clock=world.clock, minutes=config.attempt_minutes)
                if attempt is not None:
                    attempts.append(attempt)
    sources = _seeds(world, config.word_attack_sources, taken)
    queries = 0
    if sources:
        batch = attack_batch_create(
            created_by=world.manager,
            verification_queue=world.verification_queue,
            selection="examples",
            example_ids=sources,
            query_budget=config.word_attack_queries,
            enqueue=False,
        )
        counts = attack_batch_run(batch=batch)
        queries = int(counts["queries"])
        world.word_attack_batches[version.pk] = batch.pk
        world.clock.advance(queries * config.word_attack_seconds_per_query)
    work_through(queue=world.verification_queue, workers=world.verifiers, clock=world.clock)
    assignments_auto_approve_due(limit=1_000_000)
    return {
        "sessions": len(attempts),
        "edits": sum(a.edits for a in attempts),
        "word_attack_queries": queries,
        "word_attack_minutes": round(queries * config.word_attack_seconds_per_query / 60.0, 4),
    }


def money(value: Decimal | str | None) -> float | None:
    return None if value is None else round(float(value), 4)
