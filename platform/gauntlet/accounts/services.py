"""Writes for accounts: creating accounts and changing a contractor's standing."""

from __future__ import annotations

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from gauntlet.accounts import standing
from gauntlet.accounts.models import ContractorProfile, Qualification, Role, User
from gauntlet.audit.actions import AuditAction
from gauntlet.audit.services import audit_record


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


STANDING_FIELDS = ("qualification", "is_active", "hourly_rate")


def contractor_standing(profile: ContractorProfile) -> dict[str, object]:
    """What an audit record of a contractor's standing compares: qualification, active flag, pay."""
    return {name: getattr(profile, name) for name in STANDING_FIELDS}


def contractor_standing_record(
    *, profile: ContractorProfile, before: dict[str, object], actor: User | None, note: str = ""
) -> None:
    """Audit what changed in ``profile`` since ``before`` (:func:`contractor_standing`): one record
    per changed part (``contractor.block`` or ``contractor.qualification``, ``contractor.active``,
    ``contractor.hourly_rate``), the contractor as subject, in the caller's transaction. Each
    record keeps its own note, so a later change never overwrites why an earlier one was made."""
    after = contractor_standing(profile)
    blocked = after["qualification"] == Qualification.BLOCKED
    actions = {
        "qualification": AuditAction.CONTRACTOR_BLOCK if blocked else AuditAction.CONTRACTOR_QUALIFICATION,
        "is_active": AuditAction.CONTRACTOR_ACTIVE,
        "hourly_rate": AuditAction.CONTRACTOR_PAY,
    }
    for name, action in actions.items():
        audit_record(
            action=action,
            subject=profile.user,
            actor=actor,
            before={name: before[name]},
            after={name: after[name]},
            note=note,
        )


@transaction.atomic
def contractor_set_qualification(
    *, contractor: User, qualification: str, note: str = "", actor: User | None = None
) -> ContractorProfile:
    """Move a contractor to qualified / probation / blocked, with an audit record naming
    ``actor`` (None: the system) and ``note``; setting the same qualification again records nothing.

    Blocking calls :func:`contractor_standing_changed`, so the work queue releases
    the contractor's open leases in the same transaction.
    """
    if qualification not in Qualification.values:
        raise ValueError(f"qualification must be one of {', '.join(Qualification.values)}")
    profile = ContractorProfile.objects.select_for_update().get(user=contractor)
    before = contractor_standing(profile)
    profile.qualification = qualification
    profile.note = note
    profile.save(update_fields=["qualification", "note", "updated_at"])
    contractor_standing_record(profile=profile, before=before, actor=actor, note=note)
    contractor_standing_changed(contractor=contractor, profile=profile)
    return profile


@transaction.atomic
def contractor_update(
    *,
    profile: ContractorProfile,
    hourly_rate: Decimal | None = None,
    is_active: bool | None = None,
    qualification: str | None = None,
    note: str = "",
    actor: User | None = None,
) -> ContractorProfile:
    """Change pay rate, active flag and/or qualification; fields left None stay as they are.
    Each change leaves an audit record naming ``actor`` (:func:`contractor_standing_record`).
    Blocking or deactivating releases the contractor's open leases (:func:`contractor_standing_changed`)."""
    profile = ContractorProfile.objects.select_for_update().get(pk=profile.pk)
    before = contractor_standing(profile)
    if hourly_rate is not None:
        profile.hourly_rate = hourly_rate
    if is_active is not None:
        profile.is_active = is_active
    if qualification is not None:
        profile.qualification = qualification
        profile.note = note
    profile.save()
    profile.refresh_from_db(fields=["hourly_rate"])  # as stored, for the record
    contractor_standing_record(profile=profile, before=before, actor=actor, note=note)
    contractor_standing_changed(contractor=profile.user, profile=profile)
    return profile


@transaction.atomic
def contractor_standing_changed(*, contractor: User, profile: ContractorProfile | None = None) -> bool:
    """Tell the apps above when ``contractor`` can no longer work (blocked, profile inactive, or
    the user deactivated): every :func:`gauntlet.accounts.standing.on_work_stopped` listener runs
    in this transaction (the work queue releases their open leases). Every path that changes a
    contractor's standing calls this: the services here, the API, the admin. Returns whether the
    contractor was stopped; idempotent (listeners are)."""
    if profile is None:
        profile = ContractorProfile.objects.filter(user=contractor).first()
    stopped = not contractor.is_active or (profile is not None and not profile.can_work)
    if stopped:
        standing.notify_work_stopped(contractor)
    return stopped
