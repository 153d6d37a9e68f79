"""The manager's corrections: credit notes on issued invoices, and cash refunds."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from billing.forms import CreditNoteForm, RefundForm, new_idempotency_key
from billing.selectors import invoice_balance, patient_credit
from billing.services.credit_notes import CreditLine, credit_note_issue, refund_cash
from billing.services.errors import BillingError
from billing.views.common import get_invoice, get_patient, log_view
from clinic.access import staff_required, staff_user
from clinic.money import format_money


@staff_required("billing.add_creditnote", "billing.view_invoice")
@require_http_methods(["GET", "POST"])
def credit_note_new(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_invoice(pk)
    log_view(request, invoice.patient, "invoice", detail=f"credit note for {invoice}")
    lines = list(invoice.lines.all())
    form = CreditNoteForm(request.POST or None, lines=lines)
    if form.is_valid():
        data = form.cleaned_data
        try:
            note = credit_note_issue(
                invoice=invoice,
                reason=data["reason"],
                issued_by=staff_user(request),
                now=timezone.now(),
                amount=data["amount"],
                lines=[CreditLine(line_id, amount) for line_id, amount in form.line_amounts()],
            )
        except BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Issued credit note {note.number}.")
            return redirect("billing_staff:invoice", pk=pk)
    context = {"invoice": invoice, "form": form, "balance": invoice_balance(invoice)}
    status = 400 if form.is_bound else 200
    return render(request, "staff/billing/credit_note_new.html", context, status=status)


@staff_required("billing.add_refund", "billing.view_payment")
@require_http_methods(["GET", "POST"])
def refund_new(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_patient(pk)
    log_view(request, patient, "payments", detail="refund")
    if request.method == "POST":
        form = RefundForm(request.POST, patient_id=patient.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                refund = refund_cash(
                    patient=patient,
                    amount=data["amount"],
                    credit_note=data["credit_note"],
                    refunded_by=staff_user(request),
                    now=timezone.now(),
                    reference=data["reference"],
                    idempotency_key=data["idempotency_key"],
                )
            except BillingError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"Refunded {format_money(refund.amount)} in cash.")
                return redirect("billing_staff:account", pk=pk)
    else:
        form = RefundForm(initial={"idempotency_key": new_idempotency_key()}, patient_id=patient.pk)
    context = {"patient": patient, "form": form, "credit": patient_credit(patient.pk)}
    status = 400 if form.is_bound else 200
    return render(request, "staff/billing/refund_new.html", context, status=status)
