"""The patient's per-appointment links: questions before a session (the safety re-check
and today's pain score) and the check-in a day after it; and the follow-up surveys
after discharge. Each link names one
appointment, signed; the pages show no one's details, only the questions."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from booking.models import Appointment, AppointmentStatus
from clinic import ratelimit
from clinic.headers import client_ip
from patients.clinical import checkins, surveys
from patients.clinical.errors import ClinicalError
from patients.clinical_forms import CheckInForm, FollowUpForm, PreVisitForm
from patients.links import (
    CHECK_IN_SALT,
    PRE_VISIT_SALT,
    IntakeLinkError,
    IntakeLinkExpired,
    appointment_id_from_visit_token,
    survey_id_from_token,
)
from patients.models import CheckIn, FollowUpSurvey, Visit

BEFORE = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)


def _appointment(
    request: HttpRequest, token: str, *, salt: str, statuses: tuple
) -> Appointment | HttpResponse:
    try:
        appointment_id = appointment_id_from_visit_token(token, salt=salt)
    except IntakeLinkError as error:
        expired = isinstance(error, IntakeLinkExpired)
        return render(
            request,
            "patients/intake_link_invalid.html",
            {"expired": expired},
            status=410 if expired else 400,
        )
    appointment = (
        Appointment.objects.select_related("patient", "practitioner__user")
        .filter(pk=appointment_id, status__in=statuses, patient__is_archived=False)
        .first()
    )
    if appointment is None:
        return render(request, "patients/visit_link_closed.html", status=410)
    return appointment


@require_http_methods(["GET", "POST"])
def pre_visit(request: HttpRequest, token: str) -> HttpResponse:
    found = _appointment(request, token, salt=PRE_VISIT_SALT, statuses=BEFORE)
    if isinstance(found, HttpResponse):
        return found
    done = Visit.objects.filter(appointment=found, recheck_at__isnull=False).exists()
    form = PreVisitForm(request.POST or None)
    if request.method == "POST" and not done and form.is_valid():
        try:
            checkins.pre_visit_answer(
                appointment=found,
                answers=form.answers(),
                pain_now=form.cleaned_data["pain_now"],
                now=timezone.now(),
            )
        except ClinicalError:
            done = True  # a practitioner has already settled the re-check for this visit
        else:
            return render(request, "patients/visit_link_done.html", {"kind": "before"})
    if done:
        return render(request, "patients/visit_link_done.html", {"kind": "before"})
    status = 400 if form.errors else 200
    return render(
        request, "patients/visit_link.html", {"form": form, "kind": "before"}, status=status
    )


@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, token: str) -> HttpResponse:
    found = _appointment(
        request, token, salt=CHECK_IN_SALT, statuses=(AppointmentStatus.COMPLETED,)
    )
    if isinstance(found, HttpResponse):
        return found
    if CheckIn.objects.filter(visit__appointment=found).exists():
        return render(request, "patients/visit_link_done.html", {"kind": "after"})
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        checkins.check_in_answer(appointment=found, now=timezone.now(), **form.cleaned_data)
        return render(request, "patients/visit_link_done.html", {"kind": "after"})
    status = 400 if form.errors else 200
    return render(
        request, "patients/visit_link.html", {"form": form, "kind": "after"}, status=status
    )


# Survey answers accepted per visitor's address per hour: far above one household's.
SURVEY_POSTS_PER_IP = 20


@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, token: str) -> HttpResponse:
    """A follow-up survey (decision 0112). Unknown, answered, expired or never-sent links
    all get the same closed page: the page never tells whether someone is a patient."""
    try:
        survey_id = survey_id_from_token(token)
    except IntakeLinkError:
        return _survey_closed(request)
    survey = (
        FollowUpSurvey.objects.select_related("episode")
        .filter(
            pk=survey_id,
            answered_at__isnull=True,
            sent_at__isnull=False,
            episode__patient__is_archived=False,
        )
        .first()
    )
    if survey is None:
        return _survey_closed(request)
    questions = surveys.survey_questions(survey.episode)
    form = FollowUpForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        if not ratelimit.public_write_allowed(
            "follow-up", ip=client_ip(request), per_ip=SURVEY_POSTS_PER_IP, now=timezone.now()
        ):
            return render(request, "booking/rate_limited.html", {"what": "answers"}, status=429)
        try:
            surveys.survey_answer(survey_id=survey.pk, answers=form.answers(), now=timezone.now())
        except surveys.SurveyClosed:
            return _survey_closed(request)
        except ClinicalError as error:
            form.add_error(None, str(error))
        else:
            return render(request, "patients/visit_link_done.html", {"kind": "follow_up"})
    status = 400 if form.errors else 200
    return render(request, "patients/follow_up.html", {"form": form}, status=status)


def _survey_closed(request: HttpRequest) -> HttpResponse:
    return render(request, "patients/follow_up_closed.html", status=410)
