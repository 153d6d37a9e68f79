"""Front desk: book a course of treatment in one step, see it, cancel the rest of it.

The plan (service, practitioner, how many, how often, preferred day and time) travels in
the query string; the engine proposes a series; the desk adjusts any session and books
them all at once. Nothing is booked unless every session can be.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking.forms.courses import CoursePlanForm, session_formset
from booking.forms.staff import CancelForm
from booking.models import AppointmentSource, BookingPolicy, Course
from booking.scheduling.courses import ProposedSession
from booking.services.courses import (
    SessionChoice,
    course_book,
    course_cancel_rest,
    course_propose,
    min_gap,
)
from booking.services.placement import UPCOMING, BookingError
from clinic.access import staff_required, staff_user
from clinic.models import Location
from patients.models import Patient

DESK = AppointmentSource.FRONT_DESK


@staff_required("booking.add_appointment")
@require_http_methods(["GET", "POST"])
def course_new(request: HttpRequest, location_slug: str, patient_id: int) -> HttpResponse:
    location = get_object_or_404(Location, slug=location_slug, is_active=True)
    patient = get_object_or_404(Patient, pk=patient_id, is_archived=False)
    now = timezone.now()
    today = timezone.localdate(timezone=location.zone)
    policy = BookingPolicy.load()
    plan_form = CoursePlanForm(
        request.GET if "service" in request.GET else None,
        initial={"from_date": today},
        location=location,
        today=today,
        min_gap=min_gap(policy),
    )
    context: dict[str, object] = {"location": location, "patient": patient, "plan_form": plan_form}
    if not plan_form.is_bound or not plan_form.is_valid():
        status = 400 if plan_form.is_bound else 200
        return render(request, "staff/booking/course_new.html", context, status=status)

    data = plan_form.cleaned_data
    plan = plan_form.plan()
    proposal = course_propose(
        service=data["service"],
        location=location,
        practitioner=data["practitioner"],
        plan=plan,
        source=DESK,
        now=now,
    )
    formset = session_formset(
        request.POST if request.method == "POST" else None,
        initial=[session_initial(session, location) for session in proposal],
        location=location,
        service=data["service"],
    )
    context |= {"proposal": proposal, "formset": formset, "min_gap": policy.course_min_gap_hours}
    if request.method == "POST" and formset.is_valid():
        sessions = [
            SessionChoice(
                start=form.cleaned_data["start"], practitioner=form.cleaned_data["practitioner"]
            )
            for form in formset.forms
        ]
        try:
            course = course_book(
                patient=patient,
                service=data["service"],
                location=location,
                practitioner=data["practitioner"],
                every_days=plan.every_days,
                sessions=sessions,
                source=DESK,
                now=now,
                booked_by=staff_user(request),
            )
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"Booked a course of {len(sessions)} sessions for {patient.full_name}."
            )
            return redirect("staff:course", pk=course.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/booking/course_new.html", context, status=status)


def session_initial(session: ProposedSession, location: Location) -> dict:
    when = (session.slot.start if session.slot else session.wanted).astimezone(location.zone)
    return {
        "date": when.date(),
        "time": when.time() if session.slot else None,
        "practitioner": session.slot.practitioner_id if session.slot else None,
    }


def _get_course(pk: int) -> Course:
    return get_object_or_404(Course.objects.select_related("patient", "service", "location"), pk=pk)


@staff_required("booking.view_appointment")
@require_GET
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = _get_course(pk)
    appointments = course.appointments.select_related("practitioner__user", "room").order_by(
        "start", "pk"
    )
    now = timezone.now()
    context = {
        "course": course,
        "appointments": appointments,
        "can_cancel": any(a.status in UPCOMING and a.start > now for a in appointments),
        "cancel_form": CancelForm(),
    }
    return render(request, "staff/booking/course.html", context)


@staff_required("booking.change_appointment")
@require_POST
def course_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    course = _get_course(pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please give a reason for the cancellation.")
        return redirect("staff:course", pk=course.pk)
    try:
        cancelled = course_cancel_rest(
            course=course, now=timezone.now(), reason=form.cleaned_data["reason"]
        )
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Cancelled the remaining {len(cancelled)} sessions.")
    return redirect("staff:course", pk=course.pk)
