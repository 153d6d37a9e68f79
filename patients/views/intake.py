"""The patient's intake forms, opened through their private link (patients.links).

Steps: your details -> questionnaire -> safety screening -> consent. Each step is a GET
page and a POST that saves it and redirects, so nothing already sent is lost and posting
again only overwrites the same draft. The link names the patient; the intake is always
that patient's own, never one chosen by the URL.
"""

import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from patients import services
from patients.forms import ConsentForm, DetailsForm, QuestionnaireForm, ScreeningForm
from patients.links import IntakeLinkError, IntakeLinkExpired, patient_from_intake_token
from patients.models import ConsentDocument, ConsentSignature, Intake, IntakeStatus, Patient

STEPS = [
    ("details", "Your details"),
    ("questionnaire", "About your pain"),
    ("screening", "Safety questions"),
    ("consent", "Consent"),
]


def with_intake_link(
    view: Callable[[HttpRequest, Patient, str], HttpResponse],
) -> Callable[[HttpRequest, str], HttpResponse]:
    """Resolve the token to its patient, or show a plain explanation instead of an error."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        try:
            patient = patient_from_intake_token(token)
        except IntakeLinkError as error:
            expired = isinstance(error, IntakeLinkExpired)
            return render(
                request,
                "patients/intake_link_invalid.html",
                {"expired": expired},
                status=410 if expired else 400,
            )
        return view(request, patient, token)

    return wrapped


def _current_intake(patient: Patient) -> Intake | None:
    return patient.intakes.select_related("screening").order_by("-created_at", "-pk").first()


def _next_step(intake: Intake | None) -> str:
    if intake is None or intake.details_saved_at is None:
        return "details"
    if intake.questionnaire_saved_at is None:
        return "questionnaire"
    if not hasattr(intake, "screening"):
        return "screening"
    if intake.submitted_at is None:
        return "consent"
    return "done"


def _step_url(step: str, token: str) -> str:
    return reverse(f"patients:intake_{step}", args=[token])


def _guard(intake: Intake | None, step: str, token: str) -> HttpResponse | None:
    """Send the patient to the first unfinished step if they jump ahead, and to the end
    once the forms are signed."""
    next_step = _next_step(intake)
    order = [name for name, _ in STEPS] + ["done"]
    if next_step == "done" or order.index(step) > order.index(next_step):
        return redirect(_step_url(next_step, token))
    return None


def _render_step(
    request: HttpRequest, step: str, token: str, context: dict[str, Any], form: forms.BaseForm
) -> HttpResponse:
    context.update(
        step=step,
        steps=STEPS,
        token=token,
        form=form,
        step_number=[name for name, _ in STEPS].index(step) + 1,
    )
    return render(
        request, f"patients/intake_{step}.html", context, status=400 if form.errors else 200
    )


@with_intake_link
def intake_start(_request: HttpRequest, patient: Patient, token: str) -> HttpResponse:
    return redirect(_step_url(_next_step(_current_intake(patient)), token))


@require_http_methods(["GET", "POST"])
@with_intake_link
def intake_details(request: HttpRequest, patient: Patient, token: str) -> HttpResponse:
    intake = _current_intake(patient)
    if stop := _guard(intake, "details", token):
        return stop
    form = DetailsForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        with contextlib.suppress(services.IntakeSubmitted):
            services.intake_save_details(
                intake=intake or services.intake_open(patient=patient),
                fields={name: form.cleaned_data[name] for name in form.Meta.fields},
                now=timezone.now(),
            )
        return redirect(_step_url("questionnaire", token))
    return _render_step(request, "details", token, {"patient": patient}, form)


@require_http_methods(["GET", "POST"])
@with_intake_link
def intake_questionnaire(request: HttpRequest, patient: Patient, token: str) -> HttpResponse:
    intake = _current_intake(patient)
    if stop := _guard(intake, "questionnaire", token):
        return stop
    assert intake is not None  # _guard sends a patient without one to the details step
    form = QuestionnaireForm(request.POST or None, instance=intake)
    if request.method == "POST" and form.is_valid():
        with contextlib.suppress(services.IntakeSubmitted):
            services.intake_save_questionnaire(
                intake=intake,
                fields={name: form.cleaned_data[name] for name in form.Meta.fields},
                now=timezone.now(),
            )
        return redirect(_step_url("screening", token))
    return _render_step(request, "questionnaire", token, {}, form)


@require_http_methods(["GET", "POST"])
@with_intake_link
def intake_screening(request: HttpRequest, patient: Patient, token: str) -> HttpResponse:
    intake = _current_intake(patient)
    if stop := _guard(intake, "screening", token):
        return stop
    assert intake is not None  # _guard sends a patient without one to the details step
    saved = getattr(intake, "screening", None)
    initial = ScreeningForm.initial_from(saved.answers) if saved else None
    form = ScreeningForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with contextlib.suppress(services.IntakeSubmitted):
            services.intake_save_screening(intake=intake, answers=form.cleaned_data)
        return redirect(_step_url("consent", token))
    return _render_step(request, "screening", token, {}, form)


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: a forwarded header is whatever the client chose to send unless a
    # trusted proxy sets it, and the deployment decides that (BEHIND_TLS_PROXY).
    return request.META.get("REMOTE_ADDR") or None


@require_http_methods(["GET", "POST"])
@with_intake_link
def intake_consent(request: HttpRequest, patient: Patient, token: str) -> HttpResponse:
    intake = _current_intake(patient)
    if request.method == "POST" and intake is not None and intake.submitted_at is not None:
        return redirect(_step_url("done", token))  # a second click on "Sign"
    if stop := _guard(intake, "consent", token):
        return stop
    assert intake is not None  # _guard sends a patient without one to the details step
    document = ConsentDocument.objects.get(is_active=True)
    form = ConsentForm(request.POST or None, patient=patient, shown=document)
    if request.method == "POST" and form.is_valid():
        services.intake_sign_consent(
            intake=intake,
            document=form.cleaned_data["document"],
            typed_name=form.cleaned_data["typed_name"],
            ip_address=_client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            now=timezone.now(),
        )
        return redirect(_step_url("done", token))
    return _render_step(request, "consent", token, {"document": document}, form)


@with_intake_link
def intake_done(request: HttpRequest, patient: Patient, token: str) -> HttpResponse:
    intake = _current_intake(patient)
    if intake is None or intake.submitted_at is None:
        return redirect(_step_url(_next_step(intake), token))
    return render(
        request,
        "patients/intake_done.html",
        {"token": token, "will_contact": intake.status != IntakeStatus.CLEARED},
    )


def _signed_consent(patient: Patient) -> ConsentSignature | None:
    return (
        patient.consents.select_related("document", "intake").order_by("-signed_at", "-pk").first()
    )


@with_intake_link
def consent_copy(request: HttpRequest, patient: Patient, token: str) -> HttpResponse:
    signature = _signed_consent(patient)
    if signature is None:
        return redirect(_step_url("details", token))
    return render(request, "patients/consent_copy.html", {"signature": signature, "token": token})


@with_intake_link
def consent_download(_request: HttpRequest, patient: Patient, token: str) -> HttpResponse:
    signature = _signed_consent(patient)
    if signature is None:
        return redirect(_step_url("details", token))
    document = signature.document
    text = (
        f"{document.title} (version {document.version})\n\n{document.body}\n\n"
        f"Signed by typing the name: {signature.typed_name}\n"
        f"Signed at: {timezone.localtime(signature.signed_at):%d %B %Y, %H:%M %Z}\n"
    )
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="signed-consent.txt"'
    response["Cache-Control"] = "no-store"
    return response
