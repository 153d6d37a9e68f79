"""Patient self-service without a password: the manage link in every email, and the
portal a patient signs in to with a link sent to their address.

What a page may reveal: the manage page shows one appointment to whoever holds its
signed link; the portal shows one patient's appointments to whoever opened that patient's
sign-in link. The sign-in page answers the same, in the same work, for any address.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Exists
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from billing.links import pay_path
from billing.selectors import invoices_to_pay
from booking import links
from booking.forms.public import ANY, ContactPreferenceForm, DayForm, SignInForm, SlotForm
from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    Practitioner,
)
from booking.notify import tasks
from booking.scheduling.availability import format_start
from booking.scheduling.rules import booking_rules
from booking.scheduling.times import Question, move_day
from booking.services.changes import (
    appointment_cancel,
    appointment_reschedule,
    inside_cancellation_window,
)
from booking.services.placement import UPCOMING, BookingError
from booking.services.waitlist import load_claim
from booking.services.waitlist import waitlist_claim as claim
from clinic import ratelimit
from clinic.middleware import SEEN_KEY, SIGNED_IN_KEY
from clinic.models import Location
from patients.clinical.reads import patient_episodes
from patients.links import PRE_VISIT_SALT, intake_url, visit_token
from patients.models import AccessVia, Patient
from patients.services import (
    SignInLinkUsed,
    access_log_record,
    patient_contact_choose,
    patient_portal_enter,
)

PORTAL_KEY = "portal_patient"
RATE_WINDOW = dt.timedelta(hours=1)


def portal_patient(request: HttpRequest) -> Patient | None:
    patient_id = request.session.get(PORTAL_KEY)
    if patient_id is None:
        return None
    return Patient.objects.filter(pk=patient_id, is_archived=False).first()


def _course_locations() -> list[Location]:
    """Where a returning patient may book a course online; none unless the clinic allows
    it. One query."""
    allowed = BookingPolicy.objects.filter(courses_online=True)
    return list(Location.objects.filter(Exists(allowed), is_active=True).order_by("name", "pk"))


# --- The manage link -------------------------------------------------------------------


def _invalid_link(request: HttpRequest, error: links.LinkError) -> HttpResponse:
    return render(request, "booking/link_invalid.html", {"error": error}, status=400)


def _manage_context(appointment: Appointment, *, now: dt.datetime) -> dict:
    policy = BookingPolicy.load()
    upcoming = appointment.status in UPCOMING and appointment.start > now
    return {
        "appointment": appointment,
        "token": links.manage_token(appointment),
        "upcoming": upcoming,
        "can_change": upcoming
        and not inside_cancellation_window(appointment, policy=policy, now=now),
        "policy": policy,
    }


def manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        appointment = links.appointment_from_manage_token(token)
    except links.LinkError as error:
        return _invalid_link(request, error)
    context = _manage_context(appointment, now=timezone.now())
    return render(request, "booking/manage.html", context)


@require_http_methods(["GET", "POST"])
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks the patient to confirm and says what happens next; POST cancels."""
    try:
        appointment = links.appointment_from_manage_token(token)
    except links.LinkError as error:
        return _invalid_link(request, error)
    now = timezone.now()
    if request.method == "GET":
        context = _manage_context(appointment, now=now)
        page = "booking/manage_cancel.html" if context["can_change"] else "booking/manage.html"
        return render(request, page, context)
    try:
        appointment = appointment_cancel(appointment=appointment, now=now, by_patient=True)
    except BookingError as error:
        context = _manage_context(appointment, now=now) | {"error": error.message}
        return render(request, "booking/manage.html", context, status=409)
    messages.success(
        request,
        "Your appointment is cancelled. We have emailed you to confirm, and you can book "
        "again at any time.",
    )
    return redirect("booking:manage", links.manage_token(appointment))


@require_http_methods(["GET", "POST"])
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    """The same times and the same booking guarantee as a new booking, with the same
    practitioner by default, another who offers the service here, or any; the move itself
    is appointment_reschedule's, window check included."""
    try:
        appointment = links.appointment_from_manage_token(token)
    except links.LinkError as error:
        return _invalid_link(request, error)
    now = timezone.now()
    context = _manage_context(appointment, now=now)
    if request.method == "POST":
        return _manage_move(request, appointment, context, now=now)
    if not context["can_change"]:
        return render(request, "booking/manage.html", context)
    return _manage_times(request, appointment, context, now=now)


def _team(appointment: Appointment) -> list[Practitioner]:
    """Who the appointment may move to: those who offer its service at its location."""
    bookable = Practitioner.objects.bookable(
        service=appointment.service, location=appointment.location
    )
    return list(bookable.select_related("user"))


def _with_whom(data: QueryDict, appointment: Appointment, team: list[Practitioner]) -> QueryDict:
    """The request's data, with the current practitioner chosen unless another (or any)
    is asked for; "any" when the current one no longer offers the service here."""
    data = data.copy()
    current = appointment.practitioner_id in {p.pk for p in team}
    data.setdefault("practitioner", str(appointment.practitioner_id) if current else ANY)
    return data


def _manage_move(
    request: HttpRequest, appointment: Appointment, context: dict[str, Any], *, now: dt.datetime
) -> HttpResponse:
    team = _team(appointment)
    form = SlotForm(_with_whom(request.POST, appointment, team), practitioners=team)
    if not form.is_valid():
        context["error"] = (
            "That practitioner does not offer this service here; please choose another, "
            "or any practitioner."
            if "practitioner" in form.errors
            else "That time could not be read; please pick one again."
        )
        return render(request, "booking/manage_times.html", context, status=400)
    chosen = form.cleaned_data["practitioner"]
    context["practitioner_param"] = chosen.pk if chosen else ANY
    try:
        appointment = appointment_reschedule(
            appointment=appointment,
            start=form.cleaned_data["start"],
            now=now,
            source=AppointmentSource.ONLINE,
            practitioner=chosen,
            any_practitioner=chosen is None,
        )
    except BookingError as error:
        context["error"] = error.message
        context["alternatives"] = [
            (slot.start, format_start(slot.start)) for slot in error.alternatives
        ]
        return render(request, "booking/manage_times.html", context, status=409)
    messages.success(request, "Your appointment has moved. We have emailed you the details.")
    return redirect("booking:manage", links.manage_token(appointment))


def _manage_times(
    request: HttpRequest, appointment: Appointment, context: dict[str, Any], *, now: dt.datetime
) -> HttpResponse:
    policy = context["policy"]
    location = appointment.location
    first_day = now.astimezone(location.zone).date()
    last_day = (now + dt.timedelta(days=policy.horizon_days)).astimezone(location.zone).date()
    team = _team(appointment)
    data = _with_whom(request.GET, appointment, team)
    asked = "date" in data
    data.setdefault("date", first_day.isoformat())
    form = DayForm(data, practitioners=team, first_day=first_day, last_day=last_day)
    context["form"] = form
    if not form.is_valid():
        return render(request, "booking/manage_times.html", context, status=400)
    chosen = form.cleaned_data["practitioner"]
    question = Question(
        service=appointment.service,
        location=location,
        practitioners=[chosen] if chosen else team,
        rules=booking_rules(
            service=appointment.service, policy=policy, now=now, source=AppointmentSource.ONLINE
        ),
        hold_token=request.session.get("hold_token"),
        now=now,
        moving_id=appointment.pk,
    )
    day, times = move_day(question, form.cleaned_data["date"], last_day, find_first=not asked)
    data["date"] = day.isoformat()  # the date box shows the day opened
    context.update(
        day=day,
        chosen=chosen,
        practitioner_param=chosen.pk if chosen else ANY,
        searched=not times and not asked,
        times=[(start, format_start(start)) for start in times],
        # A move to a time before this cannot be changed or cancelled online afterwards.
        window_ends=now + dt.timedelta(hours=policy.cancellation_window_hours),
        previous_day=day - dt.timedelta(days=1) if day > first_day else None,
        following_day=day + dt.timedelta(days=1) if day < last_day else None,
    )
    return render(request, "booking/manage_times.html", context)


# --- The portal ------------------------------------------------------------------------


def sign_in_allowed(*, email: str, ip: str, now: dt.datetime) -> bool:
    """Count this request against its address and its IP; False once either is over the
    hourly limit. The same queries whatever the address."""
    limits = {
        ratelimit.key("email", email.strip().lower()): settings.CLINIC_SIGN_IN_PER_EMAIL,
        ratelimit.key("ip", ip): settings.CLINIC_SIGN_IN_PER_IP,
    }
    return ratelimit.allow(limits, now=now, window=RATE_WINDOW)


@require_http_methods(["GET", "POST"])
def portal_sign_in(request: HttpRequest) -> HttpResponse:
    if portal_patient(request) is not None:
        return redirect("booking:portal")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if not sign_in_allowed(
            email=email, ip=request.META.get("REMOTE_ADDR", ""), now=timezone.now()
        ):
            return render(
                request, "booking/portal_sign_in.html", {"form": form, "limited": True}, status=429
            )
        tasks.after_sign_in_asked(email=email)
        return render(request, "booking/portal_sign_in.html", {"sent": True})
    return render(request, "booking/portal_sign_in.html", {"form": form})


@require_http_methods(["GET", "POST"])
def portal_enter(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email. GET asks for a click (mail scanners follow links); the
    POST signs in, in a fresh session."""
    try:
        patient = links.patient_from_sign_in_token(token)
    except links.LinkError as error:
        return _invalid_link(request, error)
    if request.method == "POST":
        try:
            patient_portal_enter(patient=patient, now=timezone.now())
        except SignInLinkUsed:
            used = links.LinkError("This sign-in link has already been used.", code="used")
            return _invalid_link(request, used)
        request.session.cycle_key()
        request.session[PORTAL_KEY] = patient.pk
        request.session[SIGNED_IN_KEY] = request.session[SEEN_KEY] = timezone.now().timestamp()
        return redirect("booking:portal")
    return render(request, "booking/portal_enter.html", {"patient": patient})


@require_POST
def portal_sign_out(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    messages.info(request, "You are signed out.")
    return redirect("booking:portal_sign_in")


def portal(request: HttpRequest) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    now = timezone.now()
    appointments = list(
        patient.appointments.select_related("service", "location", "practitioner__user").order_by(
            "start"
        )
    )
    upcoming = [
        (
            appointment,
            links.manage_path(appointment),
            reverse(
                "visit_links:pre_visit", args=[visit_token(appointment.pk, salt=PRE_VISIT_SALT)]
            ),
        )
        for appointment in appointments
        if appointment.start > now and appointment.status in UPCOMING
    ]
    past = [a for a in reversed(appointments) if not (a.start > now and a.status in UPCOMING)]
    access_log_record(
        user=None, patient=patient, intake=None, record="portal", via=AccessVia.PORTAL
    )
    has_visited = any(a.status == AppointmentStatus.COMPLETED for a in appointments)
    to_pay = (
        [(invoice, pay_path(invoice)) for invoice in invoices_to_pay(patient.pk)]
        if settings.CLINIC_ONLINE_PAYMENTS
        else []
    )
    context = {
        "patient": patient,
        "to_pay": to_pay,
        "upcoming": upcoming,
        "past": past,
        "intake_url": intake_url(patient),
        "has_visited": has_visited,
        "course_locations": _course_locations() if has_visited else [],
    }
    return render(request, "booking/portal.html", context)


def portal_progress(request: HttpRequest) -> HttpResponse:
    """The signed-in patient's own episodes and charts, and no one else's: the patient
    comes from the portal session only, never from the URL."""
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    access_log_record(
        user=None, patient=patient, intake=None, record="progress", via=AccessVia.PORTAL
    )
    return render(request, "booking/portal_progress.html", {"episodes": patient_episodes(patient)})


@require_http_methods(["GET", "POST"])
def portal_contact(request: HttpRequest) -> HttpResponse:
    """How the signed-in patient wants to hear from the clinic: choosing texts agrees to
    them, choosing otherwise stops them (the consent history keeps each change)."""
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    form = ContactPreferenceForm(
        request.POST or None, initial={"preferred_contact": patient.preferred_contact}
    )
    if request.method == "POST" and form.is_valid():
        patient_contact_choose(
            patient=patient,
            preferred=form.cleaned_data["preferred_contact"],
            now=timezone.now(),
        )
        messages.success(request, "Thank you: we will contact you that way.")
        return redirect("booking:portal")
    return render(request, "booking/portal_contact.html", {"form": form})


# --- Waitlist offers -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def waitlist_claim(request: HttpRequest, token: str) -> HttpResponse:
    try:
        entry, offer = load_claim(token, now=timezone.now())
    except links.LinkError as error:
        return _invalid_link(request, error)
    context = {"entry": entry, "offer": offer}
    if request.method == "POST":
        try:
            appointment = claim(entry=entry, now=timezone.now(), **offer)
        except BookingError as error:
            context["error"] = error.message
            return render(request, "booking/waitlist_claim.html", context, status=409)
        messages.success(request, "The time is yours. We have emailed you the details.")
        return redirect("booking:manage", links.manage_token(appointment))
    return render(request, "booking/waitlist_claim.html", context)
