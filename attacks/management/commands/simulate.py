"""``python manage.py simulate --rounds R --seed S [--json]``: the whole loop, headless, on a synthetic world."""

from __future__ import annotations

import json
from typing import Any

import torch
from django.core.management.base import BaseCommand, CommandError, CommandParser

from attacks.simulation.config import PRESETS, simulation_config
from attacks.simulation.runner import simulation_run
from gauntlet.errors import DomainError
from ml_worker.core.device import use_cpu_threads


class Command(BaseCommand):
    help = (
        "Simulate the loop on the configured database: a story world with known truth, simulated raters, "
        "attackers (manual, tool-assisted, the automated word attack) and verifiers through the real "
        "services; train, calibrate, attack, verify, retrain, for --rounds rounds. Prints per-round figures "
        "and the headline cost_ratio, cost_ratio_ci and auc_drop. Runs every task in this process (no worker "
        "needed). A progress bar on stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rounds", type=int, default=3, help="Classifier versions attacked (default 3).")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
        parser.add_argument(
            "--preset", choices=sorted(PRESETS), default="standard", help="Sizes (tiny: for tests, seconds)."
        )
        parser.add_argument("--seeds-per-attacker", type=int, help="Rewrite seeds per attacker per round.")
        parser.add_argument("--pool-prompts", type=int, help="Prompts of the labelled training pool.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--torch-threads",
            type=int,
            default=1,
            help="Intra-op threads for every model pass (default 1: most passes are one live pair, where "
            "a second thread buys nothing and on a shared machine makes each op wait for both).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rounds"] < 1:
            raise CommandError("--rounds must be at least 1.")
        if options["torch_threads"] < 1:
            raise CommandError("--torch-threads must be at least 1.")
        try:
            config = simulation_config(
                options["preset"],
                seeds_per_attacker=options["seeds_per_attacker"],
                pool_prompts=options["pool_prompts"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        from gauntlet.celery import app

        threads, eager = torch.get_num_threads(), app.conf.task_always_eager
        use_cpu_threads(options["torch_threads"])  # and numpy's BLAS one thread, as a worker
        # Every task the loop sends runs here, eagerly, whatever the deployment configures: the run keeps
        # its own simulated clock, which no worker process would see, and it needs no worker at all.
        app.conf.task_always_eager = True
        try:
            result = simulation_run(
                rounds=options["rounds"],
                seed=options["seed"],
                config=config,
                progress=not options["no_progress"],
            )
        except DomainError as error:  # e.g. a size the services refuse (--pool-prompts 0)
            raise CommandError(f"{error.code}: {error}") from error
        finally:
            torch.set_num_threads(threads)  # the caller's (a test process runs other code after)
            app.conf.task_always_eager = eager
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, default=str))
            return
        for r in result["rounds"]:
            human = r["human"]
            self.stdout.write(
                f"round {r['round']} {r['classifier_version']['name']} (threshold {r['classifier_version']['threshold']:.4g}): "
                f"held-out AUC {r['held_out_auc']}, {r['verified_adversarial']} verified adversarial, "
                f"human minutes/example {human['minutes_per_example']}"
            )
        self.stdout.write(
            f"cost_ratio {result['cost_ratio']} (95% {result['cost_ratio_ci']}), auc_drop {result['auc_drop']}; "
            f"{result['simulated_minutes']} simulated minutes in {result['wall_seconds']} s."
        )
