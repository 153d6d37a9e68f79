"""What the billing pages share: the objects they open, the access log of a view of a
patient's money, and turning a service's refusal into a message."""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

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
