from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from gauntlet.accounts.models import ContractorProfile, User
from gauntlet.accounts.services import contractor_standing_changed


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
        # The user and their profile inline are saved by now: a block or a deactivation made
        # here releases open leases like any other (see contractor_standing_changed).
        super().save_related(request, form, formsets, change)
        if change:
            contractor_standing_changed(contractor=form.instance)


@admin.register(ContractorProfile)
class ContractorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "qualification", "hourly_rate", "currency", "is_active", "updated_at")
    list_filter = ("qualification", "is_active")
    search_fields = ("user__email",)

    def save_model(self, request: HttpRequest, obj: ContractorProfile, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        contractor_standing_changed(contractor=obj.user, profile=obj)
