"""What the billing pages share: the objects they open, the access log of a view of a
patient's money, and turning a service's refusal into a message."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers

from billing.documents import PdfUnavailable
from billing.models import Invoice, InvoiceLine
from billing.services.errors import BillingError
from clinic.access import staff_user
from patients.models import Patient
from patients.services import access_log_record


def get_patient(pk: int) -> Patient:
    return get_object_or_404(Patient, pk=pk)


def get_invoice(pk: int) -> Invoice:
    return get_object_or_404(Invoice.objects.select_related("patient", "payer"), pk=pk)


def get_line(pk: int) -> InvoiceLine:
    return get_object_or_404(InvoiceLine.objects.select_related("invoice"), pk=pk)


def log_view(request: HttpRequest, patient: Patient, record: str, detail: str = "") -> None:
    """A patient's invoices and payments are part of their record: every view is logged."""
    access_log_record(
        user=staff_user(request), patient=patient, intake=None, record=record, detail=detail
    )


def refused(request: HttpRequest, error: BillingError) -> None:
    messages.error(request, error.message)


def pdf_download(make: Callable[[], bytes], *, filename: str) -> HttpResponse:
    """A document as a download kept out of every cache; a clear page when the server
    cannot make PDFs (pango missing), never a 500."""
    try:
        content = make()
    except PdfUnavailable:
        return HttpResponse(
            "Documents cannot be made as PDF on this server just now; please ask the clinic.",
            content_type="text/plain; charset=utf-8",
            status=503,
        )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)
    return response
