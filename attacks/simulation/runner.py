"""The whole simulated run and its JSON: rounds of attack → verify → retrain → calibrate."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.utils import timezone
from tqdm.auto import tqdm

from attacks.models import AdversarialExample, AttackSource, AttackSubmission, RewriteSession
from attacks.selectors import adversarial_matrix
from attacks.services.matrix import adversarial_matrix_refresh
from attacks.simulation.clock import simulated_clock
from attacks.simulation.config import SimulationConfig
from attacks.simulation.metrics import (
    HUMAN,
    attempts_of,
    condition_summary,
    cost_ratio,
    cost_ratio_lower_bound,
    verdict,
)
from attacks.simulation.rounds import (
    SimulationWorld,
    held_out_auc,
    version_attack,
    version_calibrate,
    version_train,
    world_create,
)
from ml_worker.models import ClassifierVersion


def _round(
    world: SimulationWorld, number: int, version: ClassifierVersion, calibration: dict[str, Any]
) -> dict[str, Any]:
    work = version_attack(world, version, number)
    adversarial_matrix_refresh()
    version.refresh_from_db()
    by_condition = {s: condition_summary(attempts_of(version.name, (s,))) for s in HUMAN}
    word = condition_summary(attempts_of(version.name, (AttackSource.WORD_ATTACK,)))
    word["machine_minutes"] = work["word_attack_minutes"]
    word["queries"] = work["word_attack_queries"]
    word["machine_minutes_per_example"] = (
        round(work["word_attack_minutes"] / word["verified"], 4) if word["verified"] else None
    )
    by_condition[AttackSource.WORD_ATTACK] = word
    verified = AdversarialExample.objects.filter(classifier_version=version)
    return {
        "round": number,
        "classifier_version": {
            "id": version.pk,
            "name": version.name,
            "parent": version.parent.name if version.parent else None,
            "threshold": version.threshold,
        },
        "calibration": calibration,
        "held_out_auc": held_out_auc(world, version),
        "failure_rate": calibration.get("failure_rate"),
        "verified_adversarial": verified.count(),
        "verified_by_source": {s: verified.filter(source=s).count() for s in AttackSource.values},
        "candidates": AttackSubmission.objects.filter(classifier_version=version).count(),
        "sessions": RewriteSession.objects.filter(classifier_version=version).count(),
        "edits": work["edits"],
        "by_condition": by_condition,
        "human": condition_summary(attempts_of(version.name, HUMAN)),
        "robustness_matrix": adversarial_matrix(),
    }


def _platform_draws_seed(seed: int) -> None:
    """Seed the platform's own draws that a run goes through (which fillers hide an attack and in what
    order, which system a comparison shows first, whether a claim serves gold), so that a seed gives the
    same run: unseeded, they made runs of one seed disagree from the first verification on. (Gold on
    PostgreSQL is drawn by the claim function with the server's random(): reproducible on SQLite.)"""
    from attacks.services import verification_items
    from gauntlet.workqueue.services import claiming
    from labeling import kinds

    for n, draw in enumerate((verification_items.filler_draw, kinds.order_draw, claiming.gold_draw)):
        draw.seed(seed * 1000 + n)


def simulation_run(
    *, rounds: int, seed: int, config: SimulationConfig, progress: bool = True, tag: str | None = None
) -> dict[str, Any]:
    """Set up the world, train the baseline, then ``rounds`` times: calibrate the version, attack it,
    verify, and (but after the last round) train the next version from it on everything verified.
    Writes everything to the configured database under ``tag`` (default: one of its own, from the seed
    and the time; it names the accounts, queues, batches and versions ``<tag>-v0``, …); returns the figures."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    started = time.monotonic()
    tag = tag or f"sim{seed}-{timezone.now():%Y%m%d%H%M%S}"
    _platform_draws_seed(seed)
    bar = tqdm(total=2 + 3 * rounds - 1, desc="simulate", file=sys.stderr, disable=not progress)
    out: list[dict[str, Any]] = []
    with simulated_clock() as clock:
        bar.set_postfix_str("labelling")
        world = world_create(tag=tag, config=config, seed=seed, clock=clock)
        bar.update()
        bar.set_postfix_str("training v0")
        version = version_train(world, name=f"{tag}-v0", parent=None)
        bar.update()
        for number in range(1, rounds + 1):
            bar.set_postfix_str(f"calibrating {version.name}")
            calibration = version_calibrate(world, version)
            bar.update()
            bar.set_postfix_str(f"attacking {version.name}")
            out.append(_round(world, number, version, calibration))
            bar.update()
            if number < rounds:
                bar.set_postfix_str(f"training v{number}")
                version = version_train(world, name=f"{tag}-v{number}", parent=version)
                bar.update()
        simulated_minutes = clock.elapsed_minutes
    bar.close()
    baseline, last = out[0], out[-1]
    ratio, interval, bound = None, None, None
    if len(out) > 1:
        # each attempts_of reads the whole cost report: once per version, for the ratio and its bound
        attempts0 = attempts_of(baseline["classifier_version"]["name"], HUMAN)
        attempts1 = attempts_of(last["classifier_version"]["name"], HUMAN)
        ratio, interval = cost_ratio(attempts0, attempts1, resamples=config.bootstrap, seed=seed)
        bound = cost_ratio_lower_bound(attempts0, attempts1)
    auc0, auc1 = baseline["held_out_auc"], last["held_out_auc"]
    auc_drop = round(auc0 - auc1, 4) if len(out) > 1 and auc0 is not None and auc1 is not None else None
    return {
        "tag": tag,
        "seed": seed,
        "rounds": out,
        "cost_ratio": ratio,
        "cost_ratio_ci": interval,
        "cost_ratio_of": "human attempts (manual + tool-assisted): simulated minutes per verified adversarial "
        "example against the last version attacked ÷ against the baseline",
        # the ratio is unbounded when nothing against the last version was verified: its 95% lower bound
        "cost_ratio_lower_bound": bound,
        "auc_drop": auc_drop,
        "targets": {"cost_ratio_at_least": 2.0, "auc_drop_at_most": 0.01},
        "verdict": verdict(ratio, interval, bound, auc_drop),
        "simulated_minutes": round(simulated_minutes, 1),
        "wall_seconds": round(time.monotonic() - started, 1),
    }
