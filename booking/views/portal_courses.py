"""A returning patient books a course of follow-ups in the portal, if the clinic allows it
(``BookingPolicy.courses_online``). The same proposal and the same all-or-none booking as
the front desk, with the online rules: notice, horizon, online services only, and one
upcoming course per patient."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from booking.forms.courses import CoursePlanForm, session_formset
from booking.models import AppointmentSource, AppointmentStatus, BookingPolicy, Service
from booking.services.courses import SessionChoice, course_book, course_propose, min_gap
from booking.services.placement import BookingError
from booking.views.courses import session_initial
from booking.views.portal import portal_patient
from clinic.models import Location

ONLINE = AppointmentSource.ONLINE


@require_http_methods(["GET", "POST"])
def portal_course(request: HttpRequest, location_slug: str) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    policy = BookingPolicy.load()
    if not policy.courses_online:
        raise Http404("Courses are booked by phone.")
    if not patient.appointments.filter(status=AppointmentStatus.COMPLETED).exists():
        messages.info(request, "Courses can be booked online after your first visit.")
        return redirect("booking:portal")
    location = get_object_or_404(Location, slug=location_slug, is_active=True)
    now = timezone.now()
    today = timezone.localdate(timezone=location.zone)
    plan_form = CoursePlanForm(
        request.GET if "service" in request.GET else None,
        initial={"from_date": today},
        location=location,
        today=today,
        min_gap=min_gap(policy),
        services=Service.objects.filter(
            is_active=True,
            is_online_bookable=True,
            allows_first_visit=False,
            practitioners__locations=location,
        ).distinct(),
    )
    context: dict[str, object] = {"location": location, "plan_form": plan_form}
    if not plan_form.is_bound or not plan_form.is_valid():
        status = 400 if plan_form.is_bound else 200
        return render(request, "booking/portal_course.html", context, status=status)
    data, plan = plan_form.cleaned_data, plan_form.plan()
    proposal = course_propose(
        service=data["service"],
        location=location,
        practitioner=data["practitioner"],
        plan=plan,
        source=ONLINE,
        now=now,
    )
    formset = session_formset(
        request.POST if request.method == "POST" else None,
        initial=[session_initial(session, location) for session in proposal],
        location=location,
        service=data["service"],
    )
    context |= {"proposal": proposal, "formset": formset}
    if request.method == "POST" and formset.is_valid():
        try:
            course_book(
                patient=patient,
                service=data["service"],
                location=location,
                practitioner=data["practitioner"],
                every_days=plan.every_days,
                sessions=[
                    SessionChoice(
                        start=f.cleaned_data["start"], practitioner=f.cleaned_data["practitioner"]
                    )
                    for f in formset.forms
                ],
                source=ONLINE,
                now=now,
            )
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Your course is booked; we have emailed you every session.")
            return redirect("booking:portal")
    status = 400 if request.method == "POST" else 200
    return render(request, "booking/portal_course.html", context, status=status)
