"""The one lock order of billing writes: the patient, then their invoices by id (the
document sequence last, in billing.services.numbers). Two desks working on one patient
queue on the patient's row, so a check made after the lock still holds at commit."""

from collections.abc import Iterable

from billing.models import Invoice
from patients.models import Patient


def lock_patient(patient_id: int) -> Patient:
    return Patient.objects.select_for_update().get(pk=patient_id)


def lock_invoices(invoice_ids: Iterable[int]) -> dict[int, Invoice]:
    """The invoices, locked in id order (one query)."""
    rows = Invoice.objects.select_for_update().filter(pk__in=set(invoice_ids)).order_by("pk")
    return {invoice.pk: invoice for invoice in rows}
