"""factory_boy factories for accounts and the work-queue engine."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from gauntlet.accounts.models import ContractorProfile, Qualification, Role, User
from gauntlet.workqueue.models import Queue, QueueState, WorkItem
from labeling.kinds import INJURY_LABEL

PASSWORD = "correct horse battery staple"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    role = Role.CONTRACTOR

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class ContractorFactory(UserFactory):
    role = Role.CONTRACTOR

    @factory.post_generation
    def profile(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            ContractorProfile.objects.get_or_create(
                user=self,
                defaults={
                    "qualification": kwargs.get("qualification", Qualification.QUALIFIED),
                    "hourly_rate": kwargs.get("hourly_rate", Decimal("15.00")),
                },
            )


class ManagerFactory(UserFactory):
    role = Role.MANAGER
    is_staff = True


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"queue {n}")
    kind = INJURY_LABEL
    state = QueueState.OPEN
    overlap = 3
    pay_per_task = Decimal("0.10")


class WorkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkItem

    queue = factory.SubFactory(QueueFactory)
    payload = factory.Sequence(lambda n: {"n": n})
    judgments_wanted = factory.LazyAttribute(lambda item: item.queue.overlap)
    created_at = factory.LazyFunction(timezone.now)


def new_contractor(**fields: Any) -> User:
    """ContractorFactory, typed (factory_boy's instances are typed as the factory)."""
    return cast(User, ContractorFactory(**fields))


def new_manager(**fields: Any) -> User:
    return cast(User, ManagerFactory(**fields))
