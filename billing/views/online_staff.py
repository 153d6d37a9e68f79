"""The desk's side of online payments: the payment link emailed to the patient, and the
manager's refund back to the card out of a credit note."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from billing.forms import OnlineRefundForm, new_idempotency_key
from billing.models import CreditNote
from billing.notify.tasks import after_pay_link_asked
from billing.selectors import invoice_balance
from billing.services.errors import BillingError
from billing.services.online import online_refundable, payable, refund_online
from billing.views.common import get_invoice, log_view
from clinic.access import staff_required, staff_user
from clinic.money import format_money


@staff_required("billing.add_payment", "billing.view_invoice")
@require_POST
def pay_link_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Email the patient the link to pay this invoice online (built when it is sent)."""
    invoice = get_invoice(pk)
    log_view(request, invoice.patient, "invoice", detail=f"payment link for {invoice}")
    if not settings.CLINIC_ONLINE_PAYMENTS:
        messages.error(request, "Online payments are off: there is no link to send.")
    elif not payable(invoice) or invoice_balance(invoice).outstanding <= 0:
        messages.error(request, "Only an issued invoice the patient still owes can be paid online.")
    elif not invoice.patient.email:
        messages.error(request, "The patient has no email address on record.")
    else:
        after_pay_link_asked(invoice_id=invoice.pk)
        messages.success(request, f"The payment link for {invoice} is on its way to the patient.")
    return redirect("billing_staff:invoice", pk=pk)


@staff_required("billing.add_refund", "billing.view_payment")
@require_http_methods(["GET", "POST"])
def refund_online_new(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(CreditNote.objects.select_related("invoice__patient"), pk=pk)
    invoice = note.invoice
    log_view(request, invoice.patient, "payments", detail=f"card refund for {note.number}")
    payment, room = online_refundable(note)
    if payment is None:
        raise Http404("Nothing of this invoice was paid online.")
    if request.method == "POST":
        form = OnlineRefundForm(request.POST)
        if form.is_valid():
            try:
                refund = refund_online(
                    credit_note=note,
                    amount=form.cleaned_data["amount"],
                    refunded_by=staff_user(request),
                    now=timezone.now(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except BillingError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"Refunded {format_money(refund.amount)} to the card.")
                return redirect("billing_staff:invoice", pk=invoice.pk)
    else:
        form = OnlineRefundForm(initial={"idempotency_key": new_idempotency_key(), "amount": room})
    context = {"note": note, "invoice": invoice, "form": form, "room": room}
    status = 400 if form.is_bound else 200
    return render(request, "staff/billing/refund_online_new.html", context, status=status)
