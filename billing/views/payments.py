"""Payments at the desk and the patient's credit used on an invoice."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from billing.forms import CreditUseForm, PaymentForm, new_idempotency_key
from billing.models import Invoice
from billing.selectors import patient_credit, patient_invoices
from billing.services.errors import BillingError
from billing.services.payments import Allocation, credit_apply, payment_take
from billing.views.common import get_patient, log_view, refused
from clinic.access import staff_required, staff_user
from clinic.money import format_money
from patients.models import Patient

TAKE = "billing.add_payment"


def owing(patient: Patient) -> list[Invoice]:
    """The patient's issued invoices with something outstanding, oldest first."""
    invoices = [i for i in patient_invoices(patient.pk) if i.balance.outstanding > 0]  # type: ignore[attr-defined]
    return sorted(invoices, key=lambda invoice: (invoice.issued_at, invoice.pk))


@staff_required(TAKE, "billing.view_invoice")
@require_http_methods(["GET", "POST"])
def payment_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a payment: how, how much, and against which of the patient's invoices (one,
    several, or none: it is then their credit). ?invoice=<id> fills in that invoice."""
    patient = get_patient(pk)
    log_view(request, patient, "payments")
    invoices = owing(patient)
    if request.method == "POST":
        form = PaymentForm(request.POST, invoices=invoices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = payment_take(
                    patient=patient,
                    method=data["method"],
                    amount=data["amount"],
                    allocations=[Allocation(i, amount) for i, amount in form.allocations()],
                    taken_by=staff_user(request),
                    now=timezone.now(),
                    reference=data["reference"],
                    idempotency_key=data["idempotency_key"],
                )
            except BillingError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, f"Recorded {format_money(payment.amount)} from {patient.full_name}."
                )
                return redirect("billing_staff:account", pk=pk)
    else:
        initial = {"idempotency_key": new_idempotency_key()}
        chosen = request.GET.get("invoice", "")
        for invoice in invoices:
            if str(invoice.pk) == chosen:
                initial[f"invoice_{invoice.pk}"] = invoice.balance.outstanding  # type: ignore[attr-defined]
                initial["amount"] = invoice.balance.outstanding  # type: ignore[attr-defined]
        form = PaymentForm(initial=initial, invoices=invoices)
    context = {"patient": patient, "form": form, "credit": patient_credit(patient.pk)}
    status = 400 if form.is_bound else 200
    return render(request, "staff/billing/payment_new.html", context, status=status)


@staff_required(TAKE, "billing.view_invoice")
@require_POST
def credit_use(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_patient(pk)
    form = CreditUseForm(request.POST, invoices=owing(patient))
    if not form.is_valid():
        messages.error(request, "Choose an invoice and an amount of more than zero.")
        return redirect("billing_staff:account", pk=pk)
    try:
        credit_apply(
            patient=patient,
            invoice_id=form.cleaned_data["invoice"],
            amount=form.cleaned_data["amount"],
            allocated_by=staff_user(request),
            now=timezone.now(),
        )
    except BillingError as error:
        refused(request, error)
    else:
        messages.success(request, f"Used {format_money(form.cleaned_data['amount'])} of credit.")
    return redirect("billing_staff:account", pk=pk)
