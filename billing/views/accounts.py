"""A patient's account: invoices with what each owes, payments, refunds, credit and
packages (with the desk's forms to sell one and to pay a session by a credit)."""

from collections import defaultdict

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing.forms import PackageSellForm, PackageUseForm
from billing.models import Package, PackageType, Payment, Refund
from billing.selectors import patient_credit, patient_invoices
from billing.selectors.cards import card_in_use
from billing.selectors.fees import patient_fees
from billing.selectors.packages import patient_packages, sessions_to_pay_by_package
from billing.views.common import get_patient, log_view
from clinic.access import staff_required
from patients.models import Patient


def _packages(request: HttpRequest, patient: Patient) -> dict[str, object]:
    """The patient's packages and the desk's package forms, for staff who see them."""
    if not request.user.has_perm("billing.view_package"):
        return {}
    packages = patient_packages(patient.pk, now=timezone.now())
    context: dict[str, object] = {"packages": packages}
    types = PackageType.objects.filter(is_active=True)
    if request.user.has_perm("billing.add_package") and types.exists():
        context["sell_form"] = PackageSellForm(types=types)
    sessions = sessions_to_pay_by_package(patient.pk)
    if request.user.has_perm("billing.add_packageuse") and packages and sessions.exists():
        context["use_form"] = PackageUseForm(
            sessions=sessions,
            packages=Package.objects.filter(
                pk__in=[b.package.pk for b in packages if b.usable]
            ).select_related("type"),
        )
    return context


@staff_required("billing.view_invoice", "billing.view_payment")
@require_GET
def account(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_patient(pk)
    log_view(request, patient, "invoices and payments")
    payments = list(
        Payment.objects.filter(patient=patient)
        .select_related("taken_by")
        .prefetch_related("allocations__invoice")
    )
    refunds = list(Refund.objects.filter(patient=patient).select_related("credit_note"))
    # What was given back from each payment (to the card, or back on a gift voucher), from
    # the refunds the page lists anyway: a refund is always the payment's patient's.
    given_back: dict[int, list[Refund]] = defaultdict(list)
    for refund in refunds:
        if refund.payment_id is not None:
            given_back[refund.payment_id].append(refund)
    for payment in payments:
        payment.given_back = given_back[payment.pk]  # type: ignore[attr-defined]
    context = {
        "patient": patient,
        "invoices": patient_invoices(patient.pk),
        "payments": payments,
        "refunds": refunds,
        "credit": patient_credit(patient.pk),
        "card": card_in_use(patient.pk),
        "fees": patient_fees(patient.pk),
        "online": settings.CLINIC_ONLINE_PAYMENTS,
        **_packages(request, patient),
    }
    return render(request, "staff/billing/account.html", context)
