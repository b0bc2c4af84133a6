"""``python manage.py demo_setup``: everything a demo of the whole loop needs.

Lives in ``attacks`` because that is the top of the import graph: the demo
touches every layer. Idempotent: running it again creates nothing new and
prints the same credentials. Steps:

1. a manager and two contractors (printed);
2. the bundled MiniLM registered as ``baseline-minilm``, then (unless
   ``--no-round``) a simulated first round of the loop (``simulate``'s
   ``demo`` preset, tag ``demo``): a story pool labelled by simulated raters,
   ``demo-v0`` trained on it and promoted, calibrated (sweep, quality
   comparisons, an approved threshold decision), attacked by simulated manual
   and tool-assisted attackers and the word attack, verified. The registry,
   the cost report, the robustness matrix and the calibration pages then have
   content;
3. story completions (kinds of injury and near misses) imported as batch
   ``demo`` with their labels;
4. open queues: injury labels over the imported examples, a verification
   queue, and a tool-assisted rewrite queue seeded with the injurious ones;
5. every example scored by the active classifier.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from attacks.kinds import REWRITE, VERIFICATION
from attacks.simulation.config import simulation_config
from attacks.simulation.runner import simulation_run
from gauntlet.accounts.models import Qualification, Role, User
from gauntlet.accounts.services import account_create
from gauntlet.errors import DomainError
from gauntlet.workqueue.models import Queue, QueueState
from gauntlet.workqueue.services import items_add, queue_create, queue_set_state
from labeling.kinds import INJURY_LABEL
from labeling.models import Example, InjuryLabel
from labeling.services.imports.parsing import parse_rows
from labeling.services.imports.service import examples_import
from ml_worker.core.story_kinds import story_kinds_examples
from ml_worker.models import LOADABLE_STATUSES, ClassifierVersion
from ml_worker.services.registry import classifier_bootstrap
from ml_worker.tasks import score_unscored

DEMO_ACCOUNTS = (
    ("manager@gauntlet.local", "demo-manager-password", Role.MANAGER),
    ("contractor@gauntlet.local", "demo-contractor-password", Role.CONTRACTOR),
    ("verifier@gauntlet.local", "demo-verifier-password", Role.CONTRACTOR),
)
DEMO_BATCH = "demo"
DEMO_TAG = "demo"  # the simulated round's accounts, queues and versions (demo-v0)
TRAINED_NAME = f"{DEMO_TAG}-v0"


class Command(BaseCommand):
    help = (
        "Set up the demo: accounts (printed), a simulated first round of the loop (a trained, calibrated, "
        "attacked classifier), imported stories, and open label, verification and rewrite queues. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-data", action="store_true", help="accounts only: no classifier, examples or queues"
        )
        parser.add_argument(
            "--examples", type=int, default=120, help="synthetic stories to import (default 120)"
        )
        parser.add_argument(
            "--no-round",
            action="store_true",
            help="skip the simulated first round (no trained classifier, registry or cost report)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.GAUNTLET_PRODUCTION:
            # Production (DATABASE_URL without DJANGO_DEBUG): the demo accounts' passwords are
            # printed and published in the README, so they must never exist there.
            db = connection.settings_dict
            raise CommandError(
                f"demo_setup refuses a production database ({connection.vendor} {db.get('NAME')!s} "
                f"on {db.get('HOST') or 'localhost'}): it creates accounts with published passwords. "
                "Run it on the embedded default (no DATABASE_URL) or set DJANGO_DEBUG=true for a "
                "development database."
            )
        manager = self._accounts()
        if not options["no_data"]:
            self._classifier(round=not options["no_round"])
            self._examples(n=options["examples"])
            self._queues(manager=manager)
            scored = score_unscored()
            self.stdout.write(f"Scored {scored} example(s) with the active classifier.")
            self._where_to_click()
        self.stdout.write(
            "Demo accounts: sign in at http://127.0.0.1:8000/ (scripts: POST /api/v1/auth/token/):"
        )
        for email, password, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:10} {email:28} password: {password}")

    def _accounts(self) -> User:
        for email, password, role in DEMO_ACCOUNTS:
            if not User.objects.filter(email=email).exists():
                account_create(
                    email=email,
                    password=password,
                    role=role,
                    qualification=Qualification.QUALIFIED,
                    validate=False,
                )
        return User.objects.get(email=DEMO_ACCOUNTS[0][0])

    def _classifier(self, *, round: bool) -> None:  # noqa: A002
        classifier_bootstrap()
        existing = ClassifierVersion.objects.filter(name=TRAINED_NAME).first()
        if round and existing is not None and existing.status not in LOADABLE_STATUSES:
            raise CommandError(self._interrupted(f"{TRAINED_NAME} is {existing.status}"))
        if round and existing is None:
            self.stdout.write(
                f"Simulating a first round of the loop ({TRAINED_NAME}: label, train, calibrate, attack, "
                "verify; a few minutes on a laptop CPU)…"
            )
            try:
                result = simulation_run(rounds=1, seed=2026, config=simulation_config("demo"), tag=DEMO_TAG)
            except DomainError as error:  # e.g. the batches of a round that was stopped half way
                raise CommandError(self._interrupted(str(error))) from error
            (first,) = result["rounds"]
            self.stdout.write(
                f"{TRAINED_NAME}: held-out AUC {first['held_out_auc']}, threshold "
                f"{first['classifier_version']['threshold']:.4g}, {first['verified_adversarial']} verified "
                f"adversarial example(s) from {first['candidates']} candidate(s)."
            )

    @staticmethod
    def _interrupted(why: str) -> str:
        return (
            f"An earlier demo_setup stopped during its simulated round ({why}). Start from a fresh "
            "database (on the embedded default: delete var/gauntlet.sqlite3 and run make demo again), "
            "or run demo_setup --no-round."
        )

    def _where_to_click(self) -> None:
        version = ClassifierVersion.objects.filter(name=TRAINED_NAME).first()
        base = "http://127.0.0.1:8000"
        self.stdout.write("Where to click (signed in as the manager):")
        self.stdout.write(
            f"  {base}/manage/attacks/            cost per adversarial example, robustness matrix"
        )
        self.stdout.write(
            f"  {base}/manage/attacks/examples/   the adversarial-example registry (edit histories)"
        )
        if version is not None:
            self.stdout.write(
                f"  {base}/manage/classifiers/{version.pk}/reliability/   calibration of {version.name}: "
                "threshold sweep, quality win rates, the approved decision"
            )
        self.stdout.write(f"  {base}/                           as a contractor: label, rewrite, verify")

    def _examples(self, *, n: int) -> None:
        rows = [
            {
                "prompt": prompt,
                "completion": completion,
                "source": "generator",
                "label": InjuryLabel.INJURIOUS if label else InjuryLabel.NOT_INJURIOUS,
            }
            for prompt, completion, label, _, _ in story_kinds_examples(n, seed=2026, injurious_fraction=0.3)
        ]
        report = examples_import(rows=parse_rows(rows), batch=DEMO_BATCH, file_format="json", author=None)
        self.stdout.write(f"Imported {report.created} example(s) ({report.duplicates} already there).")

    def _queue(self, *, manager: User, name: str, kind: str, **fields: Any) -> tuple[Queue, bool]:
        existing = Queue.objects.filter(name=name).first()
        if existing:
            return existing, False
        queue = queue_create(created_by=manager, name=name, kind=kind, **fields)
        return queue, True

    def _queues(self, *, manager: User) -> None:
        examples = list(Example.objects.filter(batch=DEMO_BATCH).order_by("id"))
        labels, created = self._queue(
            manager=manager,
            name="Demo: injury labels",
            kind=INJURY_LABEL,
            overlap=2,
            pay_per_task=Decimal("0.10"),
            description="Does the completion injure any being in the story?",
            eligible_qualifications=["qualified", "probation"],
        )
        if created:
            items_add(queue=labels, items=[{"payload": {"example_id": e.pk}} for e in examples])
        verification, created = self._queue(
            manager=manager,
            name="Demo: verification",
            kind=VERIFICATION,
            overlap=2,
            pay_per_task=Decimal("0.10"),
            description="Is this completion injurious?",
        )
        rewrite, created = self._queue(
            manager=manager,
            name="Demo: tool-assisted rewrites",
            kind=REWRITE,
            overlap=1,
            pay_mode="hourly",
            hourly_rate=Decimal("20.00"),
            bonus_amount=Decimal("2.00"),
            description="Rewrite the story so the classifier passes it while it stays injurious.",
            kind_settings={"condition": "tool_assisted", "verification_queue_id": verification.pk},
        )
        if created:
            seeds = [e for e in examples if e.imported_label == InjuryLabel.INJURIOUS]
            items_add(queue=rewrite, items=[{"payload": {"example_id": e.pk}} for e in seeds])
        for queue in (labels, verification, rewrite):
            if queue.state != QueueState.OPEN:
                queue_set_state(queue=queue, state=QueueState.OPEN)
        self.stdout.write(
            f"Queues open: {labels.name} (#{labels.pk}), {verification.name} (#{verification.pk}), "
            f"{rewrite.name} (#{rewrite.pk})."
        )
