"""Staff sign-in in two steps, for the staff pages and the admin alike: the password
(StaffLoginForm, rate-limited), then the second factor. A staff member without one sets up
an authenticator app at this first sign-in and is shown recovery codes once."""

from typing import Any, override
from urllib.parse import urlencode

import django_otp
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic import passkeys, twofactor
from clinic.access import is_verified
from clinic.forms import StaffLoginForm, TwoFactorForm
from clinic.middleware import SEEN_KEY, SIGNED_IN_KEY
from clinic.navigation import next_or


def _with_next(name: str, target: str) -> str:
    return (
        f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: target})}" if target else reverse(name)
    )


class StaffLoginView(LoginView):
    template_name = "staff/login.html"
    authentication_form = StaffLoginForm

    @override
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return redirect(_with_next("two_factor:verify", self.get_redirect_url()))
        return super().dispatch(request, *args, **kwargs)

    @override
    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        super().form_valid(form)  # signs in with the password: not yet a staff session
        session = self.request.session
        session.pop(twofactor.SETUP_KEY, None)  # a new sign-in, a new secret to set up
        session[SIGNED_IN_KEY] = session[SEEN_KEY] = timezone.now().timestamp()
        return HttpResponseRedirect(_with_next("two_factor:verify", self.get_redirect_url()))


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(next_or(request, reverse("staff:home")))
    target = next_or(request, reverse("staff:home"))
    if is_verified(request):
        return redirect(target)
    if twofactor.confirmed_totp(user) is None:
        return redirect(_with_next("two_factor:setup", target))
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hits = twofactor.attempt(twofactor.account_limits(user.pk, _address(request)))
        if hits is None:
            form.add_error(None, "Too many failed sign-ins. Please wait 15 minutes.")
        elif device := twofactor.verify(user, form.cleaned_data["code"]):
            twofactor.succeeded(hits)
            request.session.cycle_key()
            django_otp.login(request, device)
            return redirect(target)
        else:
            form.add_error(
                "code", twofactor.wait_message(user) or "That code is not right. Try again."
            )
    context = {"form": form, "next": target, "has_passkey": passkeys.has_passkey(user)}
    return render(request, "staff/two_factor.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """First sign-in only: with a second factor already set up, a password alone must not
    be enough to add another, so this page sends such users to the code page."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(next_or(request, reverse("staff:home")))
    target = next_or(request, reverse("staff:home"))
    if is_verified(request) or twofactor.confirmed_totp(user) is not None:
        return redirect(_with_next("two_factor:verify", target))
    device = twofactor.pending_totp(user, request.session)
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hits = twofactor.attempt(twofactor.account_limits(user.pk, _address(request)))
        if hits is None:
            form.add_error(None, "Too many failed sign-ins. Please wait 15 minutes.")
        elif codes := twofactor.enrol(device, form.cleaned_data["code"]):
            twofactor.succeeded(hits)
            request.session.cycle_key()
            django_otp.login(request, device)
            # Shown this once, in this response; no page shows them again.
            return render(request, "staff/two_factor_codes.html", {"codes": codes, "next": target})
        else:
            form.add_error("code", "That code is not right. Check the app and try again.")
    context = {
        "form": form,
        "next": target,
        "qr_code": twofactor.qr_code(device),
        "secret": twofactor.secret_text(device),
    }
    return render(
        request, "staff/two_factor_setup.html", context, status=400 if form.errors else 200
    )
