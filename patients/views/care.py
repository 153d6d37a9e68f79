"""The care relationship on the staff pages: the one check of the clinical pages, and
break-glass where it refuses (decision 0077).

A practitioner refused a record is shown the form to open it with a reason, never a dead
end; the page names only the patient, whose contact details they can already see.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import View, staff_required, staff_user
from clinic.navigation import next_or
from patients.clinical.access import break_glass_open
from patients.clinical.errors import ClinicalError
from patients.clinical_forms import BreakGlassForm
from patients.models import Intake, Patient
from patients.selectors import ClinicalAccess, clinical_access
from patients.services import access_log_record

CLINICAL = "patients.view_clinical"


class NoCareRelationship(PermissionDenied):
    """The user may not read this patient's clinical records (yet): 403, with the
    break-glass form on the pages that offer it."""

    def __init__(self, patient: Patient) -> None:
        super().__init__()
        self.patient = patient


def clinical_check(
    request: HttpRequest, patient: Patient, record: str, intake: Intake | None = None
) -> None:
    """The one access rule, then the access log: a read that break-glass allowed is
    marked as such, every time."""
    user = staff_user(request)
    access = clinical_access(user, patient)
    if access is ClinicalAccess.NONE:
        raise NoCareRelationship(patient)
    access_log_record(
        user=user,
        patient=patient,
        intake=intake,
        record=record,
        break_glass=access is ClinicalAccess.BREAK_GLASS,
    )


def offers_break_glass[**P](view: View[P]) -> View[P]:
    """A page that answers a refusal with the break-glass form (403) instead of the
    bare error page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NoCareRelationship as refused:
            form = BreakGlassForm()
            return _form_page(request, refused.patient, form, request.get_full_path(), 403)

    return wrapped


def _form_page(
    request: HttpRequest, patient: Patient, form: BreakGlassForm, back: str, status: int
) -> HttpResponse:
    context = {
        "patient": patient,
        "form": form,
        "next": back,
        "hours": settings.CLINIC_BREAK_GLASS_HOURS,
    }
    return render(request, "patients/staff/break_glass.html", context, status=status)


@staff_required(CLINICAL)
@require_POST
def break_glass(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the patient's clinical records on a reason given (logged, the manager told)."""
    patient = get_object_or_404(Patient, pk=pk)
    back = next_or(request, reverse("patients_staff:patient", args=[patient.pk]))
    user = staff_user(request)
    now = timezone.now()
    if clinical_access(user, patient, now=now) is not ClinicalAccess.NONE:
        return redirect(back)
    form = BreakGlassForm(request.POST)
    if form.is_valid():
        try:
            break_glass_open(
                user=user, patient=patient, reason=form.cleaned_data["reason"], now=now
            )
        except ClinicalError as error:
            form.add_error("reason", error.message)
        else:
            messages.warning(
                request,
                f"{patient.full_name}'s record is open to you for a few hours. "
                "The clinic manager has been told why.",
            )
            return redirect(back)
    return _form_page(request, patient, form, back, 400)
