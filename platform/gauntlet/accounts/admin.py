from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from gauntlet.accounts.models import ContractorProfile, User


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


@admin.register(ContractorProfile)
class ContractorProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "qualification", "hourly_rate", "currency", "is_active", "updated_at")
    list_filter = ("qualification", "is_active")
    search_fields = ("user__email",)
