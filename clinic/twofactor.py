"""The second factor of staff sign-in, on django-otp (docs/decisions/0040): a TOTP app,
and one-time recovery codes for a lost phone (kept hashed, decision 0072). This module
only chooses and counts; the factors and their throttles are django-otp devices."""

import logging
import re

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic import ratelimit, recovery
from clinic.models import RecoveryCode, RecoveryCodes
from clinic.ratelimit import LOGIN_WINDOW

security_log = logging.getLogger("clinic.security")
_TOTP_CODE = re.compile(r"\d{6}")
# The authenticator being set up in this session (its device's id).
SETUP_KEY = "clinic_totp_setup"


def account_limits(user_id: int, address: str) -> dict[str, int]:
    """The counter for one account tried from one address: wrong passwords and wrong
    codes lock that account from that address only (decision 0043)."""
    return {
        ratelimit.key("login-account", f"{user_id}|{address}"): (
            settings.CLINIC_LOGIN_FAILURES_PER_USER
        )
    }


def attempt(limits: dict[str, int]) -> list[int] | None:
    """Count a sign-in attempt as a failure before the password or code is checked; None
    once the limit is reached. Counting first is what keeps the limit exact: however many
    guesses arrive at once, no more than the limit are checked against the password."""
    return ratelimit.reserve(limits, now=timezone.now(), window=LOGIN_WINDOW)


def succeeded(hits: list[int]) -> None:
    """The password or code was right: the attempt was not a failure after all."""
    ratelimit.release(hits)


def confirmed_totp(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def pending_totp(user: AbstractBaseUser, session: SessionBase) -> TOTPDevice:
    """The authenticator being set up in this session: the same secret on every reload of
    the page, a fresh one for any other session. Someone who once saw a secret with the
    password alone (another browser, an earlier sign-in) holds nothing that will work."""
    pending = TOTPDevice.objects.devices_for_user(user, confirmed=False)
    device = pending.filter(pk=session.get(SETUP_KEY)).first()
    if device is None:
        with transaction.atomic():
            pending.delete()
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        session[SETUP_KEY] = device.pk
    return device


def qr_code(device: TOTPDevice) -> str:
    """The otpauth:// link as an SVG data URI (an <img>, so the strict CSP holds)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5)


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = re.search(r"secret=([A-Z2-7]+)", device.config_url)
    assert secret is not None
    return " ".join(re.findall(".{1,4}", secret.group(1)))


def verify(user: AbstractBaseUser, code: str) -> Device | None:
    """The device that accepts this code: six digits are the app's, anything else a
    recovery code (used up as it matches)."""
    code = recovery.normalised(code)
    if _TOTP_CODE.fullmatch(code):
        device: Device | None = confirmed_totp(user)
    else:
        device = RecoveryCodes.objects.devices_for_user(user, confirmed=True).first()
    if device is None:
        return None
    return django_otp.verify_token(user, device.persistent_id, code)


def wait_message(user: AbstractBaseUser) -> str | None:
    """django-otp's throttle: after a wrong code each device makes the next try wait."""
    for device in django_otp.devices_for_user(user):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and "locked_until" in data:
            return "Too many wrong codes: please wait a few seconds before trying again."
    return None


def enrol(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app if the code matches it; then issue fresh recovery codes, returned
    once, grouped for reading (only their hashes are stored)."""
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if locked.confirmed or not locked.verify_token(re.sub(r"\s", "", code)):
            return None
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        device.confirmed = True
        codes = issue_recovery_codes(locked.user)
    security_log.info("Two-factor sign-in set up for user %s", locked.user_id)
    return codes


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return RecoveryCode.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


def issue_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """New recovery codes in place of any earlier ones, which stop working; the codes are
    returned grouped, to be shown once, and are not kept."""
    with transaction.atomic():
        RecoveryCodes.objects.filter(user=user).delete()
        device = RecoveryCodes.objects.create(user=user, name="Recovery codes")
        codes = [recovery.new_code() for _ in range(settings.CLINIC_RECOVERY_CODES)]
        salts = [recovery.new_salt() for _ in codes]
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=device, salt=salt, digest=recovery.digest(code, salt))
            for code, salt in zip(codes, salts, strict=True)
        )
    return [recovery.grouped(code) for code in codes]


def reset(*, user: AbstractBaseUser, by: AbstractBaseUser) -> None:
    """Remove every second factor of `user`: they set up a new one at their next sign-in
    (a lost phone). Who did it is logged by the caller in the admin's history too."""
    with transaction.atomic():
        for model in django_otp.device_classes():
            model.objects.filter(user=user).delete()
    security_log.warning("Two-factor sign-in of user %s reset by user %s", user.pk, by.pk)
