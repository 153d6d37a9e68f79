"""The manager's reports: a staff page for a period and a location, and its CSV."""

import datetime as dt
from collections.abc import Iterator

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from booking.scheduling.reports import Report, manager_report
from clinic.access import staff_required
from clinic.forms import date_input
from clinic.models import Location
from clinic.spreadsheets import Cell, csv_response

REPORTS = "booking.view_reports"
LONGEST = dt.timedelta(days=366)


class ReportForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.filter(is_active=True))
    first_day = forms.DateField(widget=date_input(), label="From")
    last_day = forms.DateField(widget=date_input(), label="To")

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and not dt.timedelta(0) <= last - first <= LONGEST:
            raise forms.ValidationError("Pick a period of one day to a year, in order.")
        return data


def _form(request: HttpRequest) -> ReportForm:
    today = timezone.localdate()
    default = {
        "location": Location.objects.filter(is_active=True).order_by("name", "pk").first(),
        "first_day": today.replace(day=1),
        "last_day": today,
    }
    data = request.GET if "location" in request.GET else None
    return ReportForm(data, initial=default)


def _report(form: ReportForm) -> Report | None:
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return manager_report(
            location=data["location"], first_day=data["first_day"], last_day=data["last_day"]
        )
    return None


@staff_required(REPORTS)
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    report = _report(form)
    status = 400 if form.is_bound and report is None else 200
    context = {"form": form, "report": report, "query": request.GET.urlencode()}
    return render(request, "staff/booking/reports.html", context, status=status)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _csv_rows(report: Report) -> Iterator[list[Cell]]:
    for section, rows in (("practitioner", report.practitioners), ("room", report.rooms)):
        for row in rows:
            yield [
                section,
                row.name,
                _percent(row.utilisation),
                row.booked_minutes,
                row.available_minutes,
            ]
    figures: list[tuple[str, Cell]] = [
        ("appointments", report.appointments),
        ("no-show rate %", _percent(report.no_show_rate)),
        ("late-cancellation rate %", _percent(report.late_cancellation_rate)),
        ("new patients", report.new_patients),
        ("returning patients", report.returning_patients),
        ("waitlist fill rate %", _percent(report.waitlist_fill_rate)),
        ("average cancellation lead hours", report.average_lead_hours or ""),
        ("revenue at list prices", report.revenue_total),
    ]
    for label, value in figures:
        yield ["clinic", label, value, "", ""]
    for label, count in report.lead_times:
        yield ["cancellation lead time", label, count, "", ""]
    for name, amount in report.revenue.items():
        yield ["revenue", name, amount, "", ""]
    for share in report.outcomes:
        yield ["outcome", f"{share.instrument}: discharged episodes", share.episodes, "", ""]
        yield ["outcome", f"{share.instrument}: reached the MCID", share.reached, "", ""]
        yield ["outcome", f"{share.instrument}: reached the MCID %", _percent(share.share), "", ""]
        for later in share.follow_ups:
            name = f"{share.instrument} at {later.interval}"
            yield ["follow-up", f"{name}: answered", later.episodes, "", ""]
            yield ["follow-up", f"{name}: still improved", later.still, "", ""]
            yield ["follow-up", f"{name}: still improved %", _percent(later.share), "", ""]


@staff_required(REPORTS)
@require_GET
def reports_csv(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    report = _report(form)
    if report is None:
        return HttpResponse("Pick a location and a period.", status=400, content_type="text/plain")
    return csv_response(
        filename=f"report-{report.location.slug}-{report.first_day}-{report.last_day}.csv",
        header=["section", "name", "value", "booked minutes", "available minutes"],
        rows=_csv_rows(report),
    )
