"""Staff accounts in the admin. Changing superusers, staff flags, groups, permissions or
passwords is for superusers only: a clinic manager sees accounts, edits names and emails,
and resets a colleague's second factor after a lost phone (logged)."""

from typing import override

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from clinic import twofactor
from clinic.access import staff_user

User = get_user_model()
SUPERUSER_ONLY_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions", "password")


class ClinicUserAdmin(UserAdmin):
    actions = ["reset_two_factor"]

    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new account means setting its password and its groups.
        return request.user.is_superuser

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser

    @override
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if getattr(obj, "is_superuser", False) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    @override
    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str] | tuple[str, ...]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [*SUPERUSER_ONLY_FIELDS, "last_login", "date_joined"]
        return readonly

    @override
    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_reset_two_factor_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("otp_totp.delete_totpdevice")

    @admin.action(
        description="Reset two-factor sign-in (they set it up again at their next sign-in)",
        permissions=["reset_two_factor"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = []
        for user in queryset:
            if user.is_superuser and not request.user.is_superuser:
                continue
            twofactor.reset(user=user, by=staff_user(request))
            self.log_change(request, user, "Reset two-factor sign-in.")
            done.append(user.get_username())
        if done:
            self.message_user(request, f"Two-factor sign-in reset for {', '.join(done)}.")
        if len(done) < len(queryset):
            self.message_user(
                request, "Only a superuser resets a superuser's sign-in.", messages.WARNING
            )


admin.site.unregister(User)
admin.site.register(User, ClinicUserAdmin)
