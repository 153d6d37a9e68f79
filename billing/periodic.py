"""Billing's nightly jobs on the task worker (clinic.periodic.DAILY)."""

from django.tasks import task
from django.utils import timezone

from billing.services.packages import packages_expire
from billing.services.vouchers import vouchers_expire
from clinic.periodic import schedule


@task
def expire_packages() -> str:
    """Packages past their last day are marked expired (their credits left forfeited,
    decision 0105). No email: a patient's package page shows it."""
    now = timezone.now()
    count = packages_expire(now=now)
    schedule(expire_packages, now=now)
    return f"{count} expired"


@task
def expire_vouchers() -> str:
    """Gift vouchers past their expiry day are marked expired (decision 0106). Usability
    and the liabilities read the date, so a night missed changes nothing but the status
    shown; the next run catches up."""
    now = timezone.now()
    count = vouchers_expire(now=now)
    schedule(expire_vouchers, now=now)
    return f"{count} expired"
