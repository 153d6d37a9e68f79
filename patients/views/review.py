"""Staff pages for screened intakes. Reading answers needs patients.view_clinical, which
the front desk does not have: they see the status only (patients.selectors)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import staff_required, staff_user
from patients import selectors, services
from patients.forms import ReviewForm
from patients.models import Intake
from patients.screening import ITEMS
from patients.views.care import clinical_check, offers_break_glass


@staff_required("patients.view_clinical")
def intake_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "patients/staff/intake_list.html",
        {"intakes": selectors.intakes_awaiting_review(request.user)},
    )


@staff_required("patients.view_clinical")
def screening_rules(request: HttpRequest) -> HttpResponse:
    return render(request, "patients/staff/screening_rules.html", {"items": ITEMS})


def _get_intake_for_review(request: HttpRequest, intake_id: int) -> Intake:
    """The intake, if the user may read its patient's records (care, break-glass, or all),
    the read logged: else 403."""
    intake = get_object_or_404(
        Intake.objects.select_related("patient", "screening", "consent__document"),
        pk=intake_id,
        submitted_at__isnull=False,
    )
    clinical_check(request, intake.patient, "intake", intake)
    return intake


def _render_detail(request: HttpRequest, intake: Intake, form: ReviewForm) -> HttpResponse:
    reviews = intake.reviews.select_related("reviewer")
    return render(
        request,
        "patients/staff/intake_detail.html",
        {"intake": intake, "form": form, "reviews": reviews},
        status=400 if form.errors else 200,
    )


@staff_required("patients.view_clinical")
@offers_break_glass
def intake_detail(request: HttpRequest, intake_id: int) -> HttpResponse:
    return _render_detail(request, _get_intake_for_review(request, intake_id), ReviewForm())


@require_POST
@staff_required("patients.view_clinical", "patients.review_intake")
def intake_review(request: HttpRequest, intake_id: int) -> HttpResponse:
    intake = _get_intake_for_review(request, intake_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, intake, form)
    review = services.intake_review(
        intake=intake,
        reviewer=staff_user(request),
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
        now=timezone.now(),
    )
    messages.success(request, f"{intake.patient}: {review.get_outcome_display().lower()}.")
    return redirect("patients_staff:intakes")
