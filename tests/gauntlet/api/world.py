"""A small but complete world for whole-API tests: every kind of object, owned by contractor A.

The contract test (schemathesis) and the authorization matrix both run against it, so every
path parameter in the schema names a real object, and contractor B is a stranger to all of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from attacks.models import RewriteSession
from attacks.services.paraphrase import paraphrase_batch_create
from gauntlet.accounts.models import User
from gauntlet.payments.models import PayoutBatch
from gauntlet.payments.services.payouts import payout_batch_close
from gauntlet.workqueue.models import Assignment, PayMode, Queue, QueueState
from gauntlet.workqueue.services import assignment_claim, assignment_submit, items_add
from labeling.models import Example, ImportJob, ImportJobState, InjuryLabel
from labeling.services.examples import example_create
from ml_worker.models import ClassifierVersion, TrainingRun, VersionStatus
from ml_worker.services.training import training_run_create
from tests.factories import new_contractor, new_manager

SEED_PROMPT = "tom went to the park . it was a sunny day ."


def token_for(user: User) -> str:
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@dataclass
class World:
    manager: User
    contractor_a: User
    contractor_b: User
    label_queue: Queue
    verification_queue: Queue
    rewrite_queue: Queue
    version: ClassifierVersion
    open_assignment: Assignment  # A's, claimed and leased
    submitted_assignment: Assignment  # A's, submitted, awaiting review
    session: RewriteSession  # A's open rewrite session
    payout_batch: PayoutBatch
    training_run: TrainingRun
    paraphrase_batch_id: int
    import_job: ImportJob
    examples: list[Example] = field(default_factory=list)

    def body_ids(self, path: str) -> dict[str, object]:
        """Real objects for the id fields of request bodies (the schema can only say "an integer")."""
        queue = self.rewrite_queue if path == "/api/v1/rewrite-sessions/" else self.label_queue
        return {
            "contractor": self.contractor_a.pk,
            "queue": queue.pk,
            "assignment": self.submitted_assignment.pk,
            "assignment_ids": [self.submitted_assignment.pk],
            "verification_queue": self.verification_queue.pk,
            "example_ids": [e.pk for e in self.examples[:2]],
            "classifier_version": self.version.pk,
            "from_version": self.version.pk,
            "a": self.version.pk,  # GET /classifiers/compare/?a=&b=
            "b": self.version.pk,
        }

    def path_parameters(self, path: str) -> dict[str, int]:
        """The real object each path parameter of ``path`` names (``batch_id`` depends on the path)."""
        batch = (
            self.paraphrase_batch_id
            if path.startswith("/api/v1/paraphrase-batches/")
            else self.payout_batch.pk
        )
        assignment = (
            self.submitted_assignment if path.endswith(("/approve/", "/reject/")) else self.open_assignment
        )
        return {
            "queue_id": self.label_queue.pk,
            "assignment_id": assignment.pk,
            "session_id": self.session.pk,
            "version_id": self.version.pk,
            "contractor_id": self.contractor_a.pk,
            "user_id": self.contractor_a.pk,
            "rater_id": self.contractor_a.pk,
            "batch_id": batch,
            "run_id": self.training_run.pk,
            "job_id": self.import_job.pk,
        }


def build_world(tiny_checkpoint: Path) -> World:
    manager = new_manager()
    a, b = new_contractor(), new_contractor()
    version = ClassifierVersion.objects.create(
        name="tiny-world",
        artifact_uri=str(tiny_checkpoint),
        base_model="tiny-bert",
        status=VersionStatus.ACTIVE,
        threshold=0.5,
    )
    examples = [
        example_create(
            prompt=SEED_PROMPT,
            completion=completion,
            source="import",
            batch="world",
            imported_label=label,
        )
        for completion, label in [
            ("anna hurt the dog .", InjuryLabel.INJURIOUS),
            ("anna cut the cat .", InjuryLabel.INJURIOUS),
            ("anna smiled at the dog .", InjuryLabel.NOT_INJURIOUS),
            ("tom sang with his sister .", InjuryLabel.NOT_INJURIOUS),
            ("max waved to the bird .", InjuryLabel.NOT_INJURIOUS),
            ("lily burned her brother .", InjuryLabel.INJURIOUS),
        ]
    ]
    label_queue = Queue.objects.create(
        name="world labels",
        kind="injury_label",
        state=QueueState.OPEN,
        overlap=2,
        pay_per_task=Decimal("0.10"),
        created_by=manager,
    )
    items_add(queue=label_queue, items=[{"payload": {"example_id": e.pk}} for e in examples])
    verification_queue = Queue.objects.create(
        name="world verification",
        kind="verification",
        state=QueueState.OPEN,
        overlap=2,
        pay_per_task=Decimal("0.10"),
        kind_settings={"fillers_per_submission": 0},
        created_by=manager,
    )
    rewrite_queue = Queue.objects.create(
        name="world rewrites",
        kind="rewrite",
        state=QueueState.OPEN,
        overlap=3,
        pay_mode=PayMode.PER_TASK,
        pay_per_task=Decimal("0.50"),
        bonus_amount=Decimal("2.00"),
        lease_seconds=900,
        kind_settings={"condition": "tool_assisted", "verification_queue_id": verification_queue.pk},
        created_by=manager,
    )
    items_add(queue=rewrite_queue, items=[{"payload": {"example_id": examples[0].pk}}])

    submitted = assignment_claim(queue=label_queue, contractor=a)
    assert submitted is not None
    assignment_submit(assignment=submitted, contractor=a, data={"label": "injurious"})
    submitted.refresh_from_db()
    open_assignment = assignment_claim(queue=label_queue, contractor=a)
    assert open_assignment is not None

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(a)}")
    response = client.post("/api/v1/rewrite-sessions/", {"queue": rewrite_queue.pk}, format="json")
    assert response.status_code == 201, response.content
    session = RewriteSession.objects.get(pk=response.json()["id"])

    payout_batch = payout_batch_close(period_end=timezone.now() - dt.timedelta(seconds=1), created_by=manager)
    training_run = training_run_create(
        created_by=manager, from_version=version, config={"include_imported": True}, enqueue=False
    )
    paraphrase = paraphrase_batch_create(
        created_by=manager,
        verification_queue=verification_queue,
        selection="examples",
        k=1,
        paraphraser="lexical",
        example_ids=[examples[0].pk],
        enqueue=False,
    )
    for user in (manager, a, b):
        token_for(user)
    return World(
        manager=manager,
        contractor_a=a,
        contractor_b=b,
        label_queue=label_queue,
        verification_queue=verification_queue,
        rewrite_queue=rewrite_queue,
        version=version,
        open_assignment=open_assignment,
        submitted_assignment=submitted,
        session=session,
        payout_batch=payout_batch,
        training_run=training_run,
        paraphrase_batch_id=paraphrase.pk,
        # A finished import job, as the Data page leaves one (its file is not needed to read it).
        import_job=ImportJob.objects.create(
            source="imports/world.jsonl",
            source_name="world.jsonl",
            format="jsonl",
            batch="world",
            created_by=manager,
            state=ImportJobState.SUCCEEDED,
        ),
        examples=examples,
    )
