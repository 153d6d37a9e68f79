"""The manager's report of money held for patients and owed to them in kind: deposits
held, the late-cancellation and no-show fees charged and waived, no-shows with and
without deposits, and the liabilities of packages and gift vouchers."""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing.arithmetic import ZERO
from billing.selectors import day_bounds
from billing.selectors.held import deposit_effect, deposits_held, fee_figures
from billing.selectors.packages import package_liabilities_by_type
from billing.selectors.vouchers import voucher_liabilities
from billing.views.takings import ALL_TAKINGS, period_form
from clinic.access import staff_required


@staff_required(ALL_TAKINGS)
@require_GET
def money_held(request: HttpRequest) -> HttpResponse:
    """For a period (this month unless told): what was held and owed at its end (or now,
    for a period not yet over), and what happened in it. Nothing about one patient is
    shown, so nothing is written to the access log."""
    form = period_form(request)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        zone = timezone.get_current_timezone()
        first, last = form.cleaned_data["bounds"]
        start, end = day_bounds(first, last, zone)
        now = timezone.now()
        at = min(end - dt.timedelta(microseconds=1), now)
        packages = package_liabilities_by_type(at=at)
        context.update(
            first_day=first,
            last_day=last,
            at=at,
            deposits=deposits_held(at=at),
            fees=fee_figures(start=start, end=end),
            effect=deposit_effect(start=start, end=end, now=now, zone=zone),
            packages=packages,
            packages_total=sum((row.value for row in packages), ZERO),
            vouchers=voucher_liabilities(at=at),
        )
    return render(request, "staff/billing/held.html", context, status=400 if form.errors else 200)
