"""Staff pages of the clinical record: episodes, the visit (re-check, clearance, note,
amendments), adverse events, scores, discharge, the lot-number search.

Every page needs patients.view_clinical, then passes the one access rule
(patients.views.care.clinical_check: a care relationship or break-glass), and logs the
read. The pages a practitioner opens offer break-glass where they refuse. State changes
are POST-only.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from booking.models import Appointment
from clinic.access import staff_required, staff_user
from patients import clinical_forms as forms
from patients.clinical import episodes, events, notes, reads, scores, visits
from patients.clinical.errors import ClinicalError
from patients.models import AdverseEvent, Episode, Patient, ScoreSource, TreatmentNote, Visit
from patients.services import access_log_record
from patients.views.care import clinical_check, offers_break_glass

CLINICAL = "patients.view_clinical"


def _check(request: HttpRequest, patient: Patient, record: str) -> None:
    clinical_check(request, patient, record)


def _get_episode_for_user(request: HttpRequest, pk: int, record: str) -> Episode:
    episode = get_object_or_404(Episode.objects.select_related("patient", "intake"), pk=pk)
    _check(request, episode.patient, record)
    return episode


def _get_appointment_for_user(request: HttpRequest, reference: str) -> Appointment:
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "service", "location", "practitioner__user"),
        reference=reference,
    )
    _check(request, appointment.patient, "visit")
    return appointment


def _visit_url(appointment: Appointment) -> str:
    return reverse("patients_staff:visit", args=[appointment.reference])


def _episode_url(episode: Episode) -> str:
    return reverse("patients_staff:episode", args=[episode.pk])


@staff_required(CLINICAL)
@offers_break_glass
@require_GET
def episode(request: HttpRequest, pk: int) -> HttpResponse:
    current = _get_episode_for_user(request, pk, "episode")
    context = {
        "record": reads.episode_record(current),
        "score_form": forms.ScoreForm(),
        "event_form": forms.AdverseEventForm(),
        "discharge_form": forms.DischargeForm(instance=current),
    }
    return render(request, "patients/staff/episode.html", context)


@staff_required(CLINICAL)
@require_POST
def episode_start(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=pk)
    _check(request, patient, "episode")
    intake = (
        patient.intakes.filter(submitted_at__isnull=False, episode__isnull=True)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    started = episodes.episode_start(
        patient=patient, intake=intake, practitioner=staff_user(request), now=timezone.now()
    )
    return redirect(_episode_url(started))


@staff_required(CLINICAL)
@offers_break_glass
@require_GET
def visit(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _get_appointment_for_user(request, reference)
    current = (
        Visit.objects.select_related("episode", "cleared_by")
        .filter(appointment=appointment)
        .first()
    )
    note = TreatmentNote.objects.filter(visit=current).first() if current else None
    context: dict[str, object] = {
        "appointment": appointment,
        "visit": current,
        "note": note,
        "gate": visits.visit_gate(current) if current else None,
        "recheck_form": forms.RecheckForm(initial=_initial_answers(current)),
        "clearance_form": forms.ClearanceForm(),
        "amendment_form": forms.AmendmentForm(),
        "event_form": forms.AdverseEventForm(initial={"occurred_at": appointment.start}),
    }
    if current is not None and (note is None or not note.is_signed):
        context |= _note_forms(request, current, note)
    if note is not None and note.is_signed:
        context["needling"] = note.needling.select_related("point")
        context["amendments"] = note.amendments.select_related("author")
    return render(request, "patients/staff/visit.html", context)


def _initial_answers(current: Visit | None) -> dict[str, str]:
    answers = current.recheck_answers if current and current.recheck_at else {}
    return {code: "yes" if value else "no" for code, value in answers.items()}


def _note_forms(request: HttpRequest, current: Visit, note: TreatmentNote | None) -> dict:
    """The draft's forms: the draft itself, or a copy of the last signed note when asked
    ("start from the last note")."""
    source, rows = note, list(note.needling.all()) if note else []
    copied = False
    if note is None and request.GET.get("from_last"):
        source, rows = reads.last_signed_note(current)
        copied = source is not None
    fields = list(forms.NeedlingForm.Meta.fields)
    initial_rows = [{name: getattr(row, name) for name in fields} for row in rows]
    return {
        "note_form": forms.NoteForm(instance=source) if source else forms.NoteForm(),
        "formset": forms.NeedlingFormSet(initial=initial_rows, prefix="needling"),
        "copied": copied,
    }


def _fail(request: HttpRequest, error: ClinicalError, url: str) -> HttpResponse:
    messages.error(request, error.message)
    return redirect(url)


@staff_required(CLINICAL)
@require_POST
def visit_recheck(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _get_appointment_for_user(request, reference)
    form = forms.RecheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Answer every question of the re-check.")
        return redirect(_visit_url(appointment))
    try:
        visits.recheck_record(
            appointment=appointment,
            answers=form.answers(),
            by=staff_user(request),
            now=timezone.now(),
        )
    except ClinicalError as error:
        return _fail(request, error, _visit_url(appointment))
    messages.success(request, "Re-check recorded.")
    return redirect(_visit_url(appointment))


def _visit_or_404(appointment: Appointment) -> Visit:
    return get_object_or_404(Visit.objects.select_related("episode"), appointment=appointment)


@staff_required(CLINICAL)
@require_POST
def visit_clear(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _get_appointment_for_user(request, reference)
    form = forms.ClearanceForm(request.POST)
    try:
        if not form.is_valid():
            raise ClinicalError("Give the reason for clearing needling at this visit.")
        visits.recheck_clear(
            visit=_visit_or_404(appointment),
            by=staff_user(request),
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )
    except ClinicalError as error:
        return _fail(request, error, _visit_url(appointment))
    messages.success(request, "Needling cleared for this visit.")
    return redirect(_visit_url(appointment))


@staff_required(CLINICAL)
@require_POST
def note_save(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _get_appointment_for_user(request, reference)
    current = _visit_or_404(appointment)
    note_form = forms.NoteForm(request.POST)
    formset = forms.NeedlingFormSet(request.POST, prefix="needling")
    if note_form.is_valid() and formset.is_valid():
        try:
            notes.note_save_draft(
                visit=current,
                author=staff_user(request),
                fields=note_form.cleaned_data,
                needling=forms.needling_rows(formset),
            )
        except ClinicalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Draft saved.")
            return redirect(_visit_url(appointment))
    context = {
        "appointment": appointment,
        "visit": current,
        "note": TreatmentNote.objects.filter(visit=current).first(),
        "gate": visits.visit_gate(current),
        "note_form": note_form,
        "formset": formset,
        "recheck_form": forms.RecheckForm(initial=_initial_answers(current)),
        "clearance_form": forms.ClearanceForm(),
        "event_form": forms.AdverseEventForm(),
    }
    return render(request, "patients/staff/visit.html", context, status=400)


@staff_required(CLINICAL)
@require_POST
def note_sign(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _get_appointment_for_user(request, reference)
    note = get_object_or_404(TreatmentNote, visit__appointment=appointment)
    try:
        notes.note_sign(note=note, by=staff_user(request), now=timezone.now())
    except ClinicalError as error:
        return _fail(request, error, _visit_url(appointment))
    messages.success(request, "Note signed. It can no longer change; add amendments below it.")
    return redirect(_visit_url(appointment))


@staff_required(CLINICAL)
@require_POST
def note_amend(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _get_appointment_for_user(request, reference)
    note = get_object_or_404(TreatmentNote, visit__appointment=appointment)
    form = forms.AmendmentForm(request.POST)
    try:
        if not form.is_valid():
            raise ClinicalError("Give both the reason and the correction.")
        notes.note_amend(
            note=note, author=staff_user(request), now=timezone.now(), **form.cleaned_data
        )
    except ClinicalError as error:
        return _fail(request, error, _visit_url(appointment))
    messages.success(request, "Amendment added.")
    return redirect(_visit_url(appointment))


@staff_required(CLINICAL)
@require_POST
def event_new(request: HttpRequest, pk: int) -> HttpResponse:
    current = _get_episode_for_user(request, pk, "adverse event")
    visit_id = request.POST.get("visit", "")
    linked = (
        Visit.objects.filter(episode=current, pk=int(visit_id)).first()
        if visit_id.isdigit()
        else None
    )
    back = _visit_url(linked.appointment) if linked else _episode_url(current)
    form = forms.AdverseEventForm(request.POST)
    try:
        if not form.is_valid():
            raise ClinicalError(
                "Check the event: "
                + "; ".join(
                    f"{field}: {' '.join(str(e) for e in errors)}"
                    for field, errors in form.errors.items()
                )
            )
        events.adverse_event_record(
            episode=current,
            visit=linked,
            source="note" if linked else "phone",
            reported_by=staff_user(request),
            **form.cleaned_data,
        )
    except ClinicalError as error:
        return _fail(request, error, back)
    messages.success(request, "Adverse event recorded.")
    return redirect(back)


@staff_required(CLINICAL)
@require_GET
def adverse_events(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    found = reads.events_to_review(user)
    for patient in {event.episode.patient for event in found}:
        access_log_record(user=user, patient=patient, intake=None, record="adverse events")
    return render(
        request,
        "patients/staff/adverse_events.html",
        {"events": found, "form": forms.CloseEventForm()},
    )


@staff_required(CLINICAL)
@require_POST
def event_close(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(AdverseEvent.objects.select_related("episode__patient"), pk=pk)
    _check(request, event.episode.patient, "adverse event")
    form = forms.CloseEventForm(request.POST)
    try:
        if not form.is_valid():
            raise ClinicalError("Write what the review found before closing the event.")
        events.adverse_event_close(
            event=event,
            by=staff_user(request),
            review_note=form.cleaned_data["review_note"],
            now=timezone.now(),
        )
    except ClinicalError as error:
        return _fail(request, error, reverse("patients_staff:adverse_events"))
    messages.success(request, "Event closed.")
    return redirect("patients_staff:adverse_events")


@staff_required(CLINICAL)
@require_POST
def score_new(request: HttpRequest, pk: int) -> HttpResponse:
    current = _get_episode_for_user(request, pk, "scores")
    form = forms.ScoreForm(request.POST)
    try:
        if not form.is_valid():
            raise ClinicalError("Choose the measure and give a number.")
        discharge = request.POST.get("at_discharge") == "yes"
        scores.score_record(
            episode=current,
            source=ScoreSource.DISCHARGE if discharge else ScoreSource.DESK,
            recorded_by=staff_user(request),
            now=timezone.now(),
            **form.cleaned_data,
        )
    except ClinicalError as error:
        return _fail(request, error, _episode_url(current))
    messages.success(request, "Score recorded.")
    return redirect(_episode_url(current))


@staff_required(CLINICAL)
@require_POST
def discharge(request: HttpRequest, pk: int) -> HttpResponse:
    current = _get_episode_for_user(request, pk, "episode")
    form = forms.DischargeForm(request.POST, instance=Episode(pk=current.pk))
    try:
        if not form.is_valid():
            raise ClinicalError("The advice is too long.")
        episodes.episode_discharge(
            episode=current, advice=form.cleaned_data["discharge_advice"], now=timezone.now()
        )
    except ClinicalError as error:
        return _fail(request, error, _episode_url(current))
    messages.success(request, "Episode discharged. The summary is ready to print.")
    return redirect("patients_staff:discharge_summary", pk=current.pk)


@staff_required(CLINICAL)
@offers_break_glass
@require_GET
def discharge_summary(request: HttpRequest, pk: int) -> HttpResponse:
    current = _get_episode_for_user(request, pk, "discharge summary")
    return render(
        request, "patients/staff/discharge_summary.html", {"record": reads.episode_record(current)}
    )


@staff_required(CLINICAL, "patients.view_all_clinical")
@require_GET
def lot_search(request: HttpRequest) -> HttpResponse:
    """A recalled needle batch: every patient needled with that lot (the manager's job)."""
    form = forms.LotSearchForm(request.GET or None)
    rows = reads.lot_search(form.cleaned_data["lot"]) if form.is_valid() else []
    user = staff_user(request)
    for patient in {row.note.visit.appointment.patient for row in rows}:
        access_log_record(user=user, patient=patient, intake=None, record="lot search")
    return render(request, "patients/staff/lot_search.html", {"form": form, "rows": rows})
