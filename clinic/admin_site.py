"""The admin uses the staff sign-in, second factor included: a password alone opens no
admin page."""

from typing import Any, override

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


class ClinicAdminSite(admin.AdminSite):
    site_header = "Clinic administration"

    @override
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return super().has_permission(request) and getattr(user, "is_verified", bool)()

    @override
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # One sign-in for staff pages and the admin, rate-limited and two-factor.
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
            "admin:index", current_app=self.name
        )
        return redirect_to_login(target)
