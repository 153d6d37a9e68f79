"""The desk's side of texts: the inbox of patients' replies no keyword settled, marking
one handled, a patient's texts in full, and consent recorded at the desk."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from clinic.access import staff_required, staff_user
from messaging.consent import text_consent_record
from messaging.models import ConsentSource, InboundText
from messaging.replies import reply_mark_handled
from messaging.selectors import replies_for_desk, texts_panel
from patients.models import AccessVia, Patient
from patients.services import access_log_record, access_log_record_listed

INBOX_LIMIT = 200


@staff_required("messaging.view_inboundtext")
@require_GET
def replies(request: HttpRequest) -> HttpResponse:
    """Unhandled first, then the latest handled; each patient listed is logged as seen."""
    shown = list(replies_for_desk()[:INBOX_LIMIT])
    access_log_record_listed(
        user=staff_user(request),
        patient_ids=[r.patient_id for r in shown if r.patient_id],
        record="text replies",
        via=AccessVia.STAFF,
    )
    return render(request, "messaging/staff/replies.html", {"replies": shown})


@staff_required("messaging.change_inboundtext")
@require_POST
def reply_handled(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = get_object_or_404(InboundText, pk=pk)
    if reply_mark_handled(inbound=inbound, by=staff_user(request), now=timezone.now()):
        messages.success(request, "Marked as handled.")
    else:
        messages.info(request, "Someone had already marked that reply as handled.")
    return redirect("messaging_staff:replies")


@staff_required("patients.view_patient", "messaging.view_textmessage")
@require_GET
def patient_texts(request: HttpRequest, pk: int) -> HttpResponse:
    """Every text to the patient, every reply from them and every email to them (the
    patient page shows the latest)."""
    person = get_object_or_404(Patient, pk=pk)
    access_log_record(user=staff_user(request), patient=person, intake=None, record="texts")
    context = {"patient": person, "texts": texts_panel(person, limit=None)}
    return render(request, "messaging/staff/patient_texts.html", context)


@staff_required("patients.view_patient", "messaging.add_textconsent")
@require_POST
def consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient told the desk they agree to texts, or no longer do."""
    person = get_object_or_404(Patient, pk=pk)
    answer = request.POST.get("given")
    if answer not in ("yes", "no"):
        messages.error(request, "Choose whether the patient agrees to texts.")
    else:
        text_consent_record(
            patient=person,
            given=answer == "yes",
            source=ConsentSource.DESK,
            now=timezone.now(),
            by=staff_user(request),
        )
        messages.success(
            request,
            "Recorded: agrees to texts." if answer == "yes" else "Recorded: no more texts.",
        )
    return redirect("patients_staff:patient", person.pk)
