"""Users, roles and contractor profiles.

A user is a contractor or a manager (``User.role``); DRF permission classes in
:mod:`gauntlet.accounts.permissions` enforce it. Every contractor has a
:class:`ContractorProfile` holding pay rate, qualification and the active flag.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from gauntlet.common.money import MoneyField


class Role(models.TextChoices):
    CONTRACTOR = "contractor", "Contractor"
    MANAGER = "manager", "Manager"


class Qualification(models.TextChoices):
    QUALIFIED = "qualified", "Qualified"
    PROBATION = "probation", "Probation"  # may work on queues that admit probation; watched closely
    BLOCKED = "blocked", "Blocked"  # can claim nothing


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True, role=Role.MANAGER)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """Logs in by email; ``username`` is gone."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CONTRACTOR)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.email

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def is_contractor(self) -> bool:
        return self.role == Role.CONTRACTOR


class ContractorProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="contractor_profile")
    hourly_rate = MoneyField(max_digits=8, decimal_places=2, default=Decimal("15.00"))
    currency = models.CharField(max_length=3, default="USD")
    qualification = models.CharField(
        max_length=16, choices=Qualification.choices, default=Qualification.PROBATION
    )
    is_active = models.BooleanField(default=True, help_text="Inactive contractors are offered no work.")
    note = models.TextField(blank=True, help_text="Why the qualification last changed.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=models.Q(hourly_rate__gte=0), name="profile_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user.email} ({self.qualification})"

    @property
    def can_work(self) -> bool:
        return self.is_active and self.qualification != Qualification.BLOCKED
