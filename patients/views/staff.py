"""Staff pages about patients: search, a new patient taken over the phone, the patient page."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.models import INVOICEABLE_STATUSES, Payment
from billing.selectors import appointment_money_states, patient_credit, patient_invoices
from billing.selectors.packages import patient_packages
from booking.models import AppointmentStatus, WaitlistEntry
from clinic.access import staff_required, staff_user
from clinic.models import Location
from clinic.navigation import next_or, with_params
from clinic.spreadsheets import csv_response
from messaging.selectors import texts_panel
from patients.clinical.reads import patient_episodes
from patients.export import patient_record, record_zip
from patients.forms import PatientForm, PatientSearchForm
from patients.models import Patient
from patients.selectors import ClinicalAccess, access_log_for, clinical_access, intake_statuses
from patients.services import access_log_record


def _get_patient_for_user(_request: HttpRequest, pk: int) -> Patient:
    return get_object_or_404(Patient, pk=pk)


def _episodes_for_user(request: HttpRequest, person: Patient) -> list | None:
    """The episodes with their latest change, for those who may read clinical records
    (logged, marked when break-glass allowed it); None for the front desk, who see none
    of it, and for a practitioner without a care relationship, who is offered break-glass."""
    user = staff_user(request)
    access = clinical_access(user, person)
    if access is ClinicalAccess.NONE:
        return None
    access_log_record(
        user=user,
        patient=person,
        intake=None,
        record="episodes",
        break_glass=access is ClinicalAccess.BREAK_GLASS,
    )
    return patient_episodes(person)


@staff_required("patients.view_patient")
@require_GET
def patients(request: HttpRequest) -> HttpResponse:
    search = PatientSearchForm(request.GET)
    if terms := request.GET.get("q", "").strip():
        access_log_record(
            user=request.user, patient=None, intake=None, record="patient search", detail=terms
        )
    return render(
        request, "patients/staff/patients.html", {"search": search, "results": search.results()}
    )


@staff_required("patients.add_patient")
@require_http_methods(["GET", "POST"])
def patient_new(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = PatientForm(request.POST or None, today=today)
    if request.method == "POST" and form.is_valid():
        patient = form.save()
        messages.success(request, f"Added {patient.full_name}.")
        fallback = reverse("patients_staff:patient", args=[patient.pk])
        target = next_or(request, "")
        return redirect(with_params(target, patient=patient.pk) if target else fallback)
    context = {"form": form, "next": next_or(request, "")}
    return render(
        request, "patients/staff/patient_new.html", context, status=400 if form.errors else 200
    )


@staff_required("patients.view_patient", "booking.view_appointment")
@require_GET
def patient(request: HttpRequest, pk: int) -> HttpResponse:
    person = _get_patient_for_user(request, pk)
    # Staff reading a patient's record is logged (DOMAIN.md: privacy).
    access_log_record(user=staff_user(request), patient=person, intake=None, record="patient page")
    now = timezone.now()
    appointments = list(
        person.appointments.select_related("service", "location", "practitioner__user").order_by(
            "-start"
        )
    )
    counts = person.appointments.aggregate(
        no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
        late_cancels=Count("pk", filter=Q(status=AppointmentStatus.LATE_CANCELLED)),
    )
    context = {
        "patient": person,
        "intake": intake_statuses([person.pk]).get(person.pk, ""),
        "upcoming": [a for a in reversed(appointments) if a.start > now],
        "past": [a for a in appointments if a.start <= now],
        "counts": counts,
        "entries": WaitlistEntry.objects.filter(patient=person)
        .select_related("service", "location", "practitioner__user")
        .order_by("-created_at"),
        "locations": Location.objects.filter(is_active=True),
        "episodes": _episodes_for_user(request, person),
        "break_glass_hours": settings.CLINIC_BREAK_GLASS_HOURS,
        # The texts panel (four queries), for staff who see texts; part of this logged view.
        "texts": texts_panel(person)
        if request.user.has_perm("messaging.view_textmessage")
        else None,
        **_money_for_user(request, person, appointments),
    }
    return render(request, "patients/staff/patient.html", context)


def _money_for_user(request: HttpRequest, person: Patient, appointments: list) -> dict:
    """The patient's invoices, latest payments, credit, packages and each appointment's
    money state, for staff who see invoices (six queries; the page's view is already
    logged)."""
    if not request.user.has_perms(["billing.view_invoice", "billing.view_payment"]):
        return {"money": None}
    packages = (
        patient_packages(person.pk, now=timezone.now())
        if request.user.has_perm("billing.view_package")
        else []
    )
    return {
        "money": appointment_money_states(a.pk for a in appointments),
        "invoices": patient_invoices(person.pk)[:10],
        "credit": patient_credit(person.pk),
        "payments": Payment.objects.filter(patient=person).order_by("-received_at", "-pk")[:5],
        "packages": packages,
        "invoiceable": INVOICEABLE_STATUSES,
    }


@staff_required("patients.view_patientaccesslog")
@require_GET
def access_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Who viewed this patient's records, where and when: the manager's answer to a
    patient's request, or to a worry about a colleague."""
    person = _get_patient_for_user(request, pk)
    access_log_record(user=request.user, patient=person, intake=None, record="access log")
    context = {"patient": person, "entries": access_log_for(person)[:500]}
    return render(request, "patients/staff/access_log.html", context)


@staff_required("patients.view_patientaccesslog")
@require_GET
def access_log_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole log for this patient as CSV (opens in a spreadsheet)."""
    person = _get_patient_for_user(request, pk)
    access_log_record(user=request.user, patient=person, intake=None, record="access log export")
    rows = (
        [
            entry.viewed_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            entry.user.get_username() if entry.user else "the patient",
            entry.get_via_display(),
            entry.record,
            entry.detail,
            "yes" if entry.break_glass else "",
        ]
        for entry in access_log_for(person).iterator()
    )
    return csv_response(
        filename=f"access-log-patient-{person.pk}.csv",
        header=["viewed at (UTC)", "who", "where", "what", "detail", "break-glass"],
        rows=rows,
    )


@staff_required("patients.export_patient")
@require_POST
def patient_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's complete record on request (a zip of JSON files and a summary to
    print); the export is logged, and so appears in the record it exports."""
    person = _get_patient_for_user(request, pk)
    access_log_record(user=request.user, patient=person, intake=None, record="record export")
    now = timezone.now()
    response = HttpResponse(record_zip(patient_record(person), now=now), "application/zip")
    name = f"patient-{person.pk}-record-{now:%Y%m%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
