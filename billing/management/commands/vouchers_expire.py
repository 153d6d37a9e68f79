"""Mark gift vouchers past their expiry day expired (for cron, beside the task worker's
own scheduled runs)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from billing.services.vouchers import vouchers_expire


class Command(BaseCommand):
    help = "Mark gift vouchers past their expiry day expired."

    def handle(self, *_args: Any, **_options: Any) -> None:
        self.stdout.write(f"Expired {vouchers_expire(now=timezone.now())} gift voucher(s).")
