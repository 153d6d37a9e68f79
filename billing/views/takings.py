"""The takings: the manager's report of a period (a practitioner sees the same page with
their own takings only), the accountant's CSV exports, and the desk's day-end cash-up."""

import datetime as dt
from collections.abc import Callable, Iterator

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from billing import exports
from billing.forms import CashUpForm, PeriodForm
from billing.selectors.cash_ups import cash_up_expected, cash_up_of, recent_cash_ups
from billing.selectors.takings import load_takings
from billing.services.cash_ups import cash_up_close
from billing.services.errors import BillingError
from billing.takings import Takings
from booking.models import Practitioner
from clinic.access import staff_required, staff_user
from clinic.models import Location
from clinic.spreadsheets import Cell, csv_response

ALL_TAKINGS = "billing.view_takings"


def period_form(request: HttpRequest) -> PeriodForm:
    today = timezone.localdate()
    data = request.GET if "period" in request.GET else {"period": "month", "day": today}
    return PeriodForm(data)


def _own_practitioner_id(request: HttpRequest) -> int | None:
    return (
        Practitioner.objects.filter(user=staff_user(request)).values_list("pk", flat=True).first()
    )


@staff_required("billing.view_own_takings")
@require_GET
def takings(request: HttpRequest) -> HttpResponse:
    form = period_form(request)
    everything = staff_user(request).has_perm(ALL_TAKINGS)
    practitioner_id = None if everything else _own_practitioner_id(request)
    report: Takings | None = None
    if form.is_valid() and (everything or practitioner_id is not None):
        first, last = form.cleaned_data["bounds"]
        report = load_takings(
            first_day=first,
            last_day=last,
            as_of=min(last, timezone.localdate()),
            zone=timezone.get_current_timezone(),
            practitioner_id=practitioner_id,
        )
    context = {
        "form": form,
        "report": report,
        "everything": everything,
        "not_a_practitioner": not everything and practitioner_id is None,
        "query": request.GET.urlencode(),
    }
    return render(
        request, "staff/billing/takings.html", context, status=400 if form.errors else 200
    )


def _export(
    request: HttpRequest,
    name: str,
    header: list[str],
    rows: Callable[[dt.datetime, dt.datetime], Iterator[list[Cell]]],
) -> HttpResponse:
    form = period_form(request)
    if not form.is_valid():
        return HttpResponse(
            "Pick a period of one day to a year.", status=400, content_type="text/plain"
        )
    first, last = form.cleaned_data["bounds"]
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return csv_response(filename=f"{name}-{first}-{last}.csv", header=header, rows=rows(start, end))


@staff_required(ALL_TAKINGS)
@require_GET
def lines_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "invoice-lines", exports.LINES_HEADER, exports.document_lines)


@staff_required(ALL_TAKINGS)
@require_GET
def payments_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "payments", exports.PAYMENTS_HEADER, exports.payments)


@staff_required(ALL_TAKINGS)
@require_GET
def refunds_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "refunds", exports.REFUNDS_HEADER, exports.refunds)


def _cash_up_location(request: HttpRequest) -> Location | None:
    pk = request.POST.get("location") or request.GET.get("location")
    active = Location.objects.filter(is_active=True).order_by("name", "pk")
    chosen = active.filter(pk=pk).first() if pk and str(pk).isdigit() else None
    return chosen or active.first()


def _cash_up_day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.POST.get("day") or request.GET.get("day") or "")
    except ValueError:
        return timezone.localdate()


@staff_required("billing.view_cashup", "billing.add_cashup")
@require_http_methods(["GET", "POST"])
def cash_up(request: HttpRequest) -> HttpResponse:
    location, day = _cash_up_location(request), _cash_up_day(request)
    initial = {"location": location, "day": day}
    form = CashUpForm(request.POST or None, initial=initial)
    if location is not None and form.is_valid():
        data = form.cleaned_data
        try:
            closed = cash_up_close(
                location=data["location"],
                day=data["day"],
                counted=form.counted(),
                note=data["note"],
                closed_by=staff_user(request),
                now=timezone.now(),
            )
        except BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Cashed up {closed.day:%-d %b %Y} at {closed.location}.")
            return redirect(f"{request.path}?location={closed.location_id}&day={closed.day}")
    context = {
        "form": form,
        "location": location,
        "day": day,
        "expected": cash_up_expected(location=location, day=day) if location else None,
        "closed": cash_up_of(location=location, day=day) if location else None,
        "cash_ups": recent_cash_ups(location=location) if location else [],
    }
    return render(
        request, "staff/billing/cash_up.html", context, status=400 if form.errors else 200
    )
