"""Passkeys (WebAuthn) as a second factor beside the authenticator app, on
django-otp-webauthn (decision 0073). Its ceremonies are used as they are, made stricter:
a passkey is added only by someone signed in with both factors, and is used only at the
second step of a sign-in, after the password, under the same limiter as codes. A staff
member lists, names and removes their own passkeys on one page, which also makes new
recovery codes."""

import logging
from typing import Any, override

import django_otp
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_otp_webauthn import exceptions, views
from django_otp_webauthn.models import WebAuthnCredential

from clinic import twofactor
from clinic.access import is_verified, staff_required, staff_user
from clinic.forms import PasskeyNameForm
from clinic.navigation import next_or

security_log = logging.getLogger("clinic.security")


class TooManyAttempts(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_detail = "Too many failed sign-ins. Please wait 15 minutes."
    default_code = "too_many_attempts"


def own_passkeys(user: AbstractBaseUser) -> QuerySet[WebAuthnCredential]:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def has_passkey(user: AbstractBaseUser) -> bool:
    return own_passkeys(user).exists()


# --- The ceremonies ----------------------------------------------------------------------


class RegistrationBegin(views.BeginCredentialRegistrationView):
    @override
    def check_can_register(self) -> None:
        # The library lets someone with no device yet register with the password alone;
        # here the first factor is always the app (set up at the first sign-in).
        if not is_verified(self.request):
            raise exceptions.NotVerified()


class RegistrationComplete(views.CompleteCredentialRegistrationView):
    @override
    def check_can_register(self) -> None:
        if not is_verified(self.request):
            raise exceptions.NotVerified()

    @override
    def post(self, *args: Any, **kwargs: Any) -> JsonResponse:
        response = super().post(*args, **kwargs)
        security_log.info("Passkey added by user %s", self.request.user.pk)
        return response


class _SecondStep:
    """After the password only, never instead of it; refused while the account is locked
    out from this address, and each failure counted there (decision 0043)."""

    request: HttpRequest

    def limits(self) -> dict[str, int]:
        user = staff_user(self.request)
        return twofactor.account_limits(user.pk, self.request.META.get("REMOTE_ADDR", ""))

    # The attempt, counted as a failure before the answer is checked and given back when it
    # was right (clinic.twofactor.attempt), so simultaneous forged answers are checked no more
    # often than the limit allows.
    hits: list[int] | None = None

    def check_can_authenticate(self) -> None:
        if not self.request.user.is_authenticated:
            raise exceptions.PasswordlessLoginDisabled()
        self.hits = twofactor.attempt(self.limits())
        if self.hits is None:
            raise TooManyAttempts()


class AuthenticationBegin(_SecondStep, views.BeginCredentialAuthenticationView):
    @override
    def check_can_authenticate(self) -> None:
        super().check_can_authenticate()
        # Asking for a challenge answers nothing: refused once locked out, never counted.
        twofactor.succeeded(self.hits or [])


class AuthenticationComplete(_SecondStep, views.CompleteCredentialAuthenticationView):
    @override
    def complete_auth(self, device: WebAuthnCredential) -> None:
        twofactor.succeeded(self.hits or [])
        self.request.session.cycle_key()
        django_otp.login(self.request, device)

    @override
    def get_success_url(self) -> str:
        return next_or(self.request, reverse("staff:home"))


# --- The staff member's own passkeys --------------------------------------------------------


def _page(request: HttpRequest, **context: object) -> dict[str, object]:
    user = staff_user(request)
    return {
        "passkeys": own_passkeys(user),
        "recovery_left": twofactor.recovery_codes_left(user),
        **context,
    }


@staff_required()
@require_GET
def passkey_list(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/passkeys.html", _page(request))


@staff_required()
@require_POST
def passkey_rename(request: HttpRequest, pk: int) -> HttpResponse:
    passkey = get_object_or_404(own_passkeys(staff_user(request)), pk=pk)
    form = PasskeyNameForm(request.POST)
    if not form.is_valid():
        context = _page(request, form=form, invalid=pk)
        return render(request, "staff/passkeys.html", context, status=400)
    passkey.name = form.cleaned_data["name"]
    passkey.save(update_fields=["name"])
    messages.success(request, f"Passkey renamed “{passkey.name}”.")
    return redirect("account:passkeys")


@staff_required()
@require_POST
def passkey_remove(request: HttpRequest, pk: int) -> HttpResponse:
    passkey = get_object_or_404(own_passkeys(staff_user(request)), pk=pk)
    passkey.delete()
    security_log.info("Passkey %s removed by its owner, user %s", pk, request.user.pk)
    messages.success(request, "Passkey removed: it no longer signs you in.")
    return redirect("account:passkeys")


@staff_required()
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    """New recovery codes when some are used up, or the printed ones are lost; the old ones
    stop working. Shown once, in this response, like those of the first sign-in."""
    codes = twofactor.issue_recovery_codes(staff_user(request))
    security_log.info("New recovery codes issued to user %s", request.user.pk)
    context = {"codes": codes, "next": reverse("account:passkeys"), "renewed": True}
    return render(request, "staff/two_factor_codes.html", context)
