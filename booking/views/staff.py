"""The front desk: calendars, phone bookings, check-in and no-shows, patients, the waitlist.

Plain GET pages and POST-then-redirect actions. Every change goes through the booking
services, so the never-double-book guarantee holds here as it does online; a refusal
(BookingError) becomes a message on the page, never an error page.
"""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.models import INVOICEABLE_STATUSES, InvoiceLine
from billing.selectors import MoneyState, appointment_money_states
from billing.selectors.fees import appointment_fee
from booking.forms.staff import (
    CancelForm,
    RescheduleForm,
    StaffBookingForm,
    WaitlistForm,
)
from booking.models import (
    RELEASED_STATUSES,
    Appointment,
    AppointmentSource,
    Practitioner,
    WaitlistEntry,
    WaitlistStatus,
)
from booking.scheduling import availability, calendar
from booking.scheduling.availability import format_start, parse_start
from booking.scheduling.calendar_blocks import Calendar
from booking.selectors import waitlist
from booking.services.booking import appointment_book
from booking.services.changes import appointment_cancel, appointment_reschedule
from booking.services.placement import UPCOMING, BookingError
from booking.services.status import CANCEL, appointment_transition, available_actions
from booking.services.waitlist import SETTABLE_STATUSES, waitlist_add, waitlist_set_status
from clinic.access import staff_required, staff_user
from clinic.models import Location
from clinic.navigation import next_or
from messaging.selectors import unhandled_replies
from patients.forms import PatientSearchForm
from patients.models import Patient
from patients.selectors import intake_statuses
from patients.services import access_log_record

DESK = AppointmentSource.FRONT_DESK
VIEW = "booking.view_appointment"
CHANGE = "booking.change_appointment"
ADD = "booking.add_appointment"


def _get_location(slug: str) -> Location:
    return get_object_or_404(Location, slug=slug, is_active=True)


def _get_appointment_for_user(_request: HttpRequest, reference: str) -> Appointment:
    # Every front-desk role sees every appointment; the decorator has checked the role.
    return get_object_or_404(
        Appointment.objects.select_related(
            "patient", "service", "location", "room", "practitioner__user", "booked_by"
        ),
        reference=reference.upper(),
    )


def _get_patient_for_user(_request: HttpRequest, pk: int) -> Patient:
    return get_object_or_404(Patient, pk=pk)


# The calendar shows this many years either side of today; further is a typing slip.
CALENDAR_YEARS = 10


def _day_param(request: HttpRequest, default: dt.date) -> dt.date:
    raw = request.GET.get("date", "")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        if raw:
            messages.warning(request, "That date could not be read; showing today instead.")
        return default
    reach = dt.timedelta(days=365 * CALENDAR_YEARS)
    if not default - reach <= day <= default + reach:
        messages.warning(
            request,
            f"The calendar goes {CALENDAR_YEARS} years back and ahead; showing today instead.",
        )
        return default
    return day


def _day_url(location: Location, day: dt.date) -> str:
    url = reverse("staff:day", args=[location.slug])
    return f"{url}?{urlencode({'date': day.isoformat()})}"


@staff_required(VIEW)
@require_GET
def home(_request: HttpRequest) -> HttpResponse:
    location = Location.objects.filter(is_active=True).order_by("name", "pk").first()
    if location is None:
        raise Http404("No active location.")
    return redirect(_day_url(location, timezone.localdate(timezone=location.zone)))


@staff_required(VIEW)
@require_GET
def day(request: HttpRequest, location_slug: str) -> HttpResponse:
    location = _get_location(location_slug)
    today = timezone.localdate(timezone=location.zone)
    shown = _day_param(request, today)
    cal = calendar.day_calendar(location=location, day=shown, now=timezone.now())
    context = {
        "location": location,
        "locations": Location.objects.filter(is_active=True),
        "cal": cal,
        "money": _money_states(request, cal),
        "day": shown,
        "today": today,
        "previous": shown - dt.timedelta(days=1),
        "next": shown + dt.timedelta(days=1),
        "here": request.get_full_path(),
        "replies_waiting": unhandled_replies()
        if request.user.has_perm("messaging.view_inboundtext")
        else None,
    }
    return render(request, "staff/booking/day.html", context)


def _money_states(request: HttpRequest, cal: Calendar) -> dict[int, MoneyState] | None:
    """Each invoiced appointment's money state, for staff who see invoices (one query)."""
    if not request.user.has_perm("billing.view_invoice"):
        return None
    return appointment_money_states(block.appointment.pk for block in cal.blocks)


@staff_required(VIEW)
@require_GET
def week(request: HttpRequest, location_slug: str, practitioner_id: int) -> HttpResponse:
    location = _get_location(location_slug)
    practitioner = get_object_or_404(
        Practitioner.objects.select_related("user"), pk=practitioner_id, locations=location
    )
    today = timezone.localdate(timezone=location.zone)
    shown = _day_param(request, today)
    monday = shown - dt.timedelta(days=shown.weekday())
    cal = calendar.week_calendar(
        location=location, practitioner=practitioner, monday=monday, now=timezone.now()
    )
    context = {
        "location": location,
        "practitioner": practitioner,
        "cal": cal,
        "money": _money_states(request, cal),
        "monday": monday,
        "today": today,
        "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7),
        "here": request.get_full_path(),
    }
    return render(request, "staff/booking/week.html", context)


@staff_required(VIEW)
@require_GET
def appointment(request: HttpRequest, reference: str) -> HttpResponse:
    booked = _get_appointment_for_user(request, reference)
    access_log_record(user=request.user, patient=booked.patient, intake=None, record="appointment")
    now = timezone.now()
    matching: QuerySet[WaitlistEntry] | list[WaitlistEntry] = []
    if booked.status in RELEASED_STATUSES and booked.start > now:
        matching = waitlist.entries_matching(
            service=booked.service,
            location=booked.location,
            practitioner=booked.practitioner,
            start=booked.start,
            end=booked.end,
        ).exclude(patient_id=booked.patient_id)
    # Only what can succeed now; cancelling has its own form, with a reason.
    actions = [
        (name, label) for name, label in available_actions(booked, now=now) if name != CANCEL
    ]
    context = {
        "appointment": booked,
        "zone": booked.location.zone,
        "intake": intake_statuses([booked.patient_id]).get(booked.patient_id, ""),
        "actions": actions,
        "can_change": booked.status in UPCOMING and booked.start > now,
        "cancel_form": CancelForm(),
        "matching": matching,
        "calendar_url": _day_url(
            booked.location, booked.start.astimezone(booked.location.zone).date()
        ),
        "next": next_or(request, ""),
        **_billing_of(request, booked),
    }
    return render(request, "staff/booking/appointment.html", context)


def _billing_of(request: HttpRequest, booked: Appointment) -> dict:
    """The appointment's invoice and its money state, or whether it can be invoiced, for
    staff who see invoices (one query), and a missed session's fee (one more)."""
    if not request.user.has_perm("billing.view_invoice"):
        return {}
    line = InvoiceLine.objects.filter(appointment=booked).select_related("invoice").first()
    fee = None
    if booked.status in INVOICEABLE_STATUSES and request.user.has_perm("billing.view_feeproposal"):
        # A missed session's fee is decided here as on the fees page: charged to the
        # saved card, invoiced for a pay link, or waived with a reason.
        fee = appointment_fee(booked.pk)
    return {
        "invoice": line.invoice if line else None,
        "money_state": appointment_money_states([booked.pk]).get(booked.pk) if line else None,
        "invoiceable": booked.status in INVOICEABLE_STATUSES,
        "fee": fee,
        "online": settings.CLINIC_ONLINE_PAYMENTS,
    }


@staff_required(CHANGE)
@require_POST
def appointment_status(request: HttpRequest, reference: str) -> HttpResponse:
    booked = _get_appointment_for_user(request, reference)
    action = request.POST.get("action", "")
    try:
        changed = appointment_transition(
            appointment=booked, action=action, now=timezone.now(), by=staff_user(request)
        )
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{changed.patient.full_name}: {changed.get_status_display().lower()}.",
        )
    return redirect(next_or(request, reverse("staff:appointment", args=[booked.reference])))


@staff_required(CHANGE)
@require_POST
def appointment_cancel_view(request: HttpRequest, reference: str) -> HttpResponse:
    booked = _get_appointment_for_user(request, reference)
    back = reverse("staff:appointment", args=[booked.reference])
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please give a reason for the cancellation.")
        return redirect(back)
    try:
        cancelled = appointment_cancel(
            appointment=booked,
            now=timezone.now(),
            by_patient=False,
            reason=form.cleaned_data["reason"],
        )
    except BookingError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request, f"{cancelled.patient.full_name}: {cancelled.get_status_display().lower()}."
    )
    # The day calendar lists the freed time beside the waitlist entries that fit it.
    return redirect(
        _day_url(cancelled.location, cancelled.start.astimezone(booked.location.zone).date())
    )


@staff_required(CHANGE)
@require_http_methods(["GET", "POST"])
def appointment_reschedule_view(request: HttpRequest, reference: str) -> HttpResponse:
    booked = _get_appointment_for_user(request, reference)
    location = booked.location
    local = booked.start.astimezone(location.zone)
    initial = {"date": local.date(), "time": local.time()}
    form = RescheduleForm(
        request.POST or None, initial=initial, location=location, service=booked.service
    )
    alternatives: tuple[availability.Slot, ...] = ()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = appointment_reschedule(
                appointment=booked,
                start=data["start"],
                now=timezone.now(),
                source=DESK,
                practitioner=data["practitioner"],
                room=data["room"],
                override_hours=data["override_hours"],
                by=staff_user(request),
            )
        except BookingError as error:
            messages.error(request, error.message)
            alternatives = error.alternatives
        else:
            messages.success(
                request, f"Moved to {moved.start.astimezone(location.zone):%a %d %b %H:%M}."
            )
            return redirect(_day_url(location, moved.start.astimezone(location.zone).date()))
    context = {
        "appointment": booked,
        "zone": location.zone,
        "form": form,
        "alternatives": [a.start.astimezone(location.zone) for a in alternatives],
    }
    return render(
        request,
        "staff/booking/reschedule.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@staff_required(ADD)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, location_slug: str) -> HttpResponse:
    """Book for a phone caller: find (or create) the patient, then the time."""
    location = _get_location(location_slug)
    params = request.POST if request.method == "POST" else request.GET
    patient = None
    if params.get("patient", "").isdigit():
        patient = Patient.objects.filter(pk=params["patient"], is_archived=False).first()
    if patient is None:
        search = PatientSearchForm(request.GET)
        context = {
            "location": location,
            "search": search,
            "results": search.results(),
            "carry": {k: request.GET[k] for k in ("practitioner", "start") if request.GET.get(k)},
            "here": request.get_full_path(),
        }
        status = 400 if request.method == "POST" else 200  # a booking needs a patient
        return render(request, "staff/booking/book_patient.html", context, status=status)

    initial: dict[str, object] = {}
    if start := parse_start(params.get("start", "")):
        local = start.astimezone(location.zone)
        initial.update(date=local.date(), time=local.time())
    if params.get("practitioner", "").isdigit():
        initial["practitioner"] = int(params["practitioner"])
    form = StaffBookingForm(
        request.POST if request.method == "POST" else None, initial=initial, location=location
    )
    alternatives: tuple[availability.Slot, ...] = ()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booked = appointment_book(
                patient=patient,
                service=data["service"],
                location=location,
                start=data["start"],
                practitioner=data["practitioner"],
                source=DESK,
                now=timezone.now(),
                room=data["room"],
                override_hours=data["override_hours"],
                booked_by=staff_user(request),
            )
        except BookingError as error:
            messages.error(request, error.message)
            alternatives = error.alternatives
        else:
            local = booked.start.astimezone(location.zone)
            messages.success(
                request,
                f"Booked {patient.full_name} with {booked.practitioner.name} "
                f"on {local:%a %d %b at %H:%M}. Reference {booked.reference}.",
            )
            return redirect(_day_url(location, local.date()))
    context = {
        "location": location,
        "patient": patient,
        "form": form,
        "alternatives": [
            (a.start.astimezone(location.zone), format_start(a.start), a.practitioner_id)
            for a in alternatives
        ],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/booking/book.html", context, status=status)


@staff_required("booking.add_waitlistentry")
@require_http_methods(["GET", "POST"])
def waitlist_new(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_patient_for_user(request, pk)
    today = timezone.localdate()
    form = WaitlistForm(
        request.POST or None,
        initial={"earliest_date": today, "latest_date": today + dt.timedelta(days=14)},
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        waitlist_add(patient=person, source=DESK, **data)
        messages.success(request, f"{person.full_name} is on the waitlist.")
        return redirect("patients_staff:patient", pk=person.pk)
    return render(
        request,
        "staff/booking/waitlist_new.html",
        {"patient": person, "form": form},
        status=400 if form.errors else 200,
    )


@staff_required("booking.view_waitlistentry")
@require_GET
def waitlist_list(request: HttpRequest) -> HttpResponse:
    entries = (
        WaitlistEntry.objects.filter(status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED])
        .select_related("patient", "service", "location", "practitioner__user")
        .order_by("created_at", "pk")
    )
    return render(request, "staff/booking/waitlist.html", {"entries": entries})


@staff_required("booking.change_waitlistentry")
@require_POST
def waitlist_status(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(WaitlistEntry.objects.select_related("patient"), pk=pk)
    status = request.POST.get("status", "")
    if status not in SETTABLE_STATUSES:
        messages.error(request, "That status cannot be set here.")
    else:
        waitlist_set_status(entry=entry, status=status)
        messages.success(
            request, f"{entry.patient.full_name}: {entry.get_status_display().lower()}."
        )
    return redirect(next_or(request, reverse("staff:waitlist")))
