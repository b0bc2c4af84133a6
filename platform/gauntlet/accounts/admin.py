from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from gauntlet.accounts.models import ContractorProfile, User
from gauntlet.accounts.services import (
    contractor_standing,
    contractor_standing_changed,
    contractor_standing_record,
)


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


class ContractorProfileInline(admin.StackedInline):
    model = ContractorProfile
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "role", "is_active", "is_staff", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    inlines = (ContractorProfileInline,)
    fieldsets = (
        (None, {"fields": ("email", "password", "role")}),
        ("Personal", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The profile inline is saved here: compare it with what was stored before, for the
        # audit record (the admin's save is one transaction, so the record commits with it).
        stored = ContractorProfile.objects.filter(user=form.instance).first() if change else None
        before = contractor_standing(stored) if stored is not None else None
        super().save_related(request, form, formsets, change)
        # The user and their profile inline are saved by now: a block or a deactivation made
        # here releases open leases like any other (see contractor_standing_changed).
        if change:
            profile = ContractorProfile.objects.filter(user=form.instance).first()
            if profile is not None and before is not None:
                contractor_standing_record(
                    profile=profile, before=before, actor=_actor(request), note=profile.note
                )
            contractor_standing_changed(contractor=form.instance)


@admin.register(ContractorProfile)
class ContractorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "qualification", "hourly_rate", "currency", "is_active", "updated_at")
    list_filter = ("qualification", "is_active")
    search_fields = ("user__email",)

    def save_model(self, request: HttpRequest, obj: ContractorProfile, form: Any, change: bool) -> None:
        stored = ContractorProfile.objects.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if stored is not None:
            obj.refresh_from_db(fields=["hourly_rate"])  # as stored, for the record
            contractor_standing_record(
                profile=obj, before=contractor_standing(stored), actor=_actor(request), note=obj.note
            )
        contractor_standing_changed(contractor=obj.user, profile=obj)
