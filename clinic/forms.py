import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone

from clinic import ratelimit


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Failed sign-ins are counted over this window, per username and per address.
LOGIN_WINDOW = dt.timedelta(minutes=15)


if TYPE_CHECKING:
    _LoginForm = AuthenticationForm
else:
    _LoginForm = object


class RateLimitedLoginMixin(_LoginForm):
    """Refuse sign-in for a while after too many failures for one username or one address,
    before the password is even checked, so guessing gains nothing."""

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "").strip().lower()
        address = getattr(self.request, "META", {}).get("REMOTE_ADDR", "")
        limits = {
            ratelimit.key("login-user", username): settings.CLINIC_LOGIN_FAILURES_PER_USER,
            ratelimit.key("login-ip", address): settings.CLINIC_LOGIN_FAILURES_PER_IP,
        }
        now = timezone.now()
        if ratelimit.over_limit(limits, now=now, window=LOGIN_WINDOW):
            raise forms.ValidationError(
                "Too many failed sign-ins. Please wait 15 minutes, or ask the clinic manager.",
                code="rate_limited",
            )
        try:
            return super().clean()
        except forms.ValidationError:
            ratelimit.record(limits, now=now)
            raise


class StaffLoginForm(RateLimitedLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(RateLimitedLoginMixin, AdminAuthenticationForm):
    pass
