"""Writes for accounts: creating accounts and changing a contractor's standing."""

from __future__ import annotations

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from gauntlet.accounts.models import ContractorProfile, Qualification, Role, User


@transaction.atomic
def account_create(
    *,
    email: str,
    password: str,
    role: str,
    verified: bool = True,
    qualification: str = Qualification.QUALIFIED,
    hourly_rate: Decimal | None = None,
    validate: bool = True,
) -> User:
    """Create a user (and a contractor profile for contractors).

    Operators create accounts whose email is already verified; allauth's
    signup flow creates unverified ones through the adapter instead.
    Raises ``ValueError`` for an unknown role or a taken email, and Django's
    ``ValidationError`` for a weak password when ``validate`` is set.
    """
    if role not in Role.values:
        raise ValueError(f"role must be one of {', '.join(Role.values)}, not {role!r}")
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise ValueError(f"an account with email {email} already exists")
    if validate:
        validate_password(password, User(email=email))
    user = User.objects.create_user(email=email, password=password, role=role, is_staff=role == Role.MANAGER)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    if role == Role.CONTRACTOR:
        profile_ensure(user=user, qualification=qualification, hourly_rate=hourly_rate)
    return user


def profile_ensure(
    *, user: User, qualification: str = Qualification.PROBATION, hourly_rate: Decimal | None = None
) -> ContractorProfile:
    """The contractor's profile, created with the given defaults if missing. Idempotent."""
    defaults: dict[str, object] = {"qualification": qualification}
    if hourly_rate is not None:
        defaults["hourly_rate"] = hourly_rate
    profile, _ = ContractorProfile.objects.get_or_create(user=user, defaults=defaults)
    return profile


@transaction.atomic
def contractor_set_qualification(
    *, contractor: User, qualification: str, note: str = ""
) -> ContractorProfile:
    """Move a contractor to qualified / probation / blocked.

    Only the profile changes here; releasing a blocked contractor's open leases
    is the work queue's job (``gauntlet.workqueue.services.contractor_block``).
    """
    if qualification not in Qualification.values:
        raise ValueError(f"qualification must be one of {', '.join(Qualification.values)}")
    profile = ContractorProfile.objects.select_for_update().get(user=contractor)
    profile.qualification = qualification
    profile.note = note
    profile.save(update_fields=["qualification", "note", "updated_at"])
    return profile


@transaction.atomic
def contractor_update(
    *,
    profile: ContractorProfile,
    hourly_rate: Decimal | None = None,
    is_active: bool | None = None,
    qualification: str | None = None,
    note: str = "",
) -> ContractorProfile:
    """Change pay rate, active flag and/or qualification; fields left None stay as they are."""
    profile = ContractorProfile.objects.select_for_update().get(pk=profile.pk)
    if hourly_rate is not None:
        profile.hourly_rate = hourly_rate
    if is_active is not None:
        profile.is_active = is_active
    if qualification is not None:
        profile.qualification = qualification
        profile.note = note
    profile.save()
    return profile
