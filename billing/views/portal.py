"""The patient's invoices, credit notes and receipts in the portal, each downloadable.

The patient comes from the portal session only, never from the URL: a document of anyone
else's answers 404, the same as one that does not exist."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from billing.documents import credit_note_pdf, invoice_pdf, receipt_number, receipt_pdf
from billing.models import CreditNote, InvoiceStatus, Payment
from billing.selectors import patient_documents
from billing.views.common import pdf_download
from booking.views.portal import portal_patient
from patients.models import AccessVia, Patient
from patients.services import access_log_record


def _log(patient: Patient, record: str, detail: str = "") -> None:
    access_log_record(
        user=None, patient=patient, intake=None, record=record, via=AccessVia.PORTAL, detail=detail
    )


@require_GET
def documents(request: HttpRequest) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    _log(patient, "portal invoices")
    return render(request, "billing/portal_documents.html", patient_documents(patient.pk))


@require_GET
def invoice_download(request: HttpRequest, pk: int) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    invoice = get_object_or_404(patient.invoices, pk=pk, status=InvoiceStatus.ISSUED)
    _log(patient, "invoice PDF", detail=str(invoice))
    return pdf_download(lambda: invoice_pdf(invoice), filename=f"invoice-{invoice.number}.pdf")


@require_GET
def credit_note_download(request: HttpRequest, pk: int) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    note = get_object_or_404(CreditNote, pk=pk, invoice__patient=patient)
    _log(patient, "credit note PDF", detail=str(note))
    return pdf_download(lambda: credit_note_pdf(note), filename=f"credit-note-{note.number}.pdf")


@require_GET
def receipt_download(request: HttpRequest, pk: int) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    payment = get_object_or_404(Payment, pk=pk, patient=patient)
    number = receipt_number(payment)
    _log(patient, "receipt PDF", detail=number)
    return pdf_download(lambda: receipt_pdf(payment), filename=f"receipt-{number}.pdf")
