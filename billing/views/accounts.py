"""A patient's account: invoices with what each owes, payments, refunds and credit."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing.models import Payment, Refund
from billing.selectors import patient_credit, patient_invoices
from billing.selectors.cards import card_in_use
from billing.selectors.fees import patient_fees
from billing.views.common import get_patient, log_view
from clinic.access import staff_required


@staff_required("billing.view_invoice", "billing.view_payment")
@require_GET
def account(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_patient(pk)
    log_view(request, patient, "invoices and payments")
    context = {
        "patient": patient,
        "invoices": patient_invoices(patient.pk),
        "payments": Payment.objects.filter(patient=patient)
        .select_related("taken_by")
        .prefetch_related("allocations__invoice"),
        "refunds": Refund.objects.filter(patient=patient).select_related("credit_note"),
        "credit": patient_credit(patient.pk),
        "card": card_in_use(patient.pk),
        "fees": patient_fees(patient.pk),
        "online": settings.CLINIC_ONLINE_PAYMENTS,
    }
    return render(request, "staff/billing/account.html", context)
