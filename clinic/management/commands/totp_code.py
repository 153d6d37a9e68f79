"""Print the current two-factor code of a demo login, so the demo needs no phone."""

from typing import Any, override

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current sign-in code of a staff login's authenticator (debug only)."

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    @override
    def handle(self, *_args: Any, username: str, **_options: Any) -> None:
        # It reads a second factor's secret: never on a live clinic.
        if not settings.DEBUG:
            raise CommandError("totp_code is for the demo (DEBUG=true) only.")
        user = get_user_model().objects.filter(username=username).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
        if device is None:
            raise CommandError(f"{username!r} has no authenticator set up.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        code = str(totp.token()).zfill(device.digits)
        left = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(f"{code}  (valid for {left} more seconds; each code signs in once)")
