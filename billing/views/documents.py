"""The desk's downloads of invoices, receipts and credit notes, and its "email it"."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from billing.documents import credit_note_pdf, invoice_pdf, receipt_number, receipt_pdf
from billing.models import CreditNote, Invoice, InvoiceStatus, Payment
from billing.notify import documents as notify
from billing.views.common import log_view, pdf_download
from clinic.access import staff_required


def _issued_invoice(pk: int) -> Invoice:
    # A draft has no number and may still change: it is not a document yet.
    return get_object_or_404(
        Invoice.objects.select_related("patient"), pk=pk, status=InvoiceStatus.ISSUED
    )


@staff_required("billing.view_invoice")
@require_GET
def invoice_download(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _issued_invoice(pk)
    log_view(request, invoice.patient, "invoice PDF", detail=str(invoice))
    return pdf_download(lambda: invoice_pdf(invoice), filename=f"invoice-{invoice.number}.pdf")


@staff_required("billing.view_creditnote")
@require_GET
def credit_note_download(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(CreditNote.objects.select_related("invoice__patient"), pk=pk)
    log_view(request, note.invoice.patient, "credit note PDF", detail=str(note))
    return pdf_download(lambda: credit_note_pdf(note), filename=f"credit-note-{note.number}.pdf")


@staff_required("billing.view_payment")
@require_GET
def receipt_download(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment.objects.select_related("patient"), pk=pk)
    number = receipt_number(payment)
    log_view(request, payment.patient, "receipt PDF", detail=number)
    return pdf_download(lambda: receipt_pdf(payment), filename=f"receipt-{number}.pdf")


@staff_required("billing.view_invoice")
@require_POST
def invoice_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Email the patient a link to their invoices in the portal (never the PDF itself)."""
    invoice = _issued_invoice(pk)
    if not invoice.patient.email:
        messages.error(request, "This patient has no email address on record.")
    else:
        notify.after_invoice_sent_again(invoice)
        messages.success(request, f"Emailed {invoice.patient.first_name} a link to their invoices.")
    return redirect("billing_staff:invoice", pk=pk)
