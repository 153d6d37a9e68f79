"""Patients' emails about their invoices and payments, sent by the task worker.

An email says only that a document is ready and links to the portal's invoices page,
where the patient signs in to read or download it: no attachment, no amount, no service
name, nothing an inbox shared with others should show. Tasks take ids and read the
database when they run; the link is built then, on the address the clinic runs at.
"""

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.urls import reverse

from billing.models import Invoice, InvoiceStatus, Payment
from booking import links
from messaging.rendering import Action, email_message
from patients.models import Patient


def document_email(*, kind: str, patient: Patient) -> EmailMultiAlternatives:
    """invoice_ready or receipt_ready."""
    url = links.absolute(reverse("billing_portal:documents"))
    return email_message(
        kind,
        to=patient.email,
        patient=patient,
        context={"first_name": patient.first_name, "link": url},
        action=Action("Your invoices and receipts", url),
    )


@task
def send_invoice_email(*, invoice_id: int) -> str:
    invoice = (
        Invoice.objects.select_related("patient")
        .filter(pk=invoice_id, status=InvoiceStatus.ISSUED, patient__is_archived=False)
        .first()
    )
    if invoice is None or not invoice.patient.email:
        return "skipped"
    document_email(kind="invoice_ready", patient=invoice.patient).send()
    return "sent"


@task
def send_receipt_email(*, payment_id: int) -> str:
    payment = (
        Payment.objects.select_related("patient")
        .filter(pk=payment_id, patient__is_archived=False)
        .first()
    )
    if payment is None or not payment.patient.email:
        return "skipped"
    document_email(kind="receipt_ready", patient=payment.patient).send()
    return "sent"


def after_invoice_issued(invoice: Invoice) -> None:
    """The patient hears of an invoice addressed to them; an insurer's invoice goes to the
    insurer by the clinic's own way (the desk may still email the patient from its page)."""
    if invoice.payer_id is not None:
        return
    pk = invoice.pk
    transaction.on_commit(lambda: send_invoice_email.enqueue(invoice_id=pk), robust=True)


def after_invoice_sent_again(invoice: Invoice) -> None:
    pk = invoice.pk
    transaction.on_commit(lambda: send_invoice_email.enqueue(invoice_id=pk), robust=True)


def after_payment_recorded(payment: Payment) -> None:
    pk = payment.pk
    transaction.on_commit(lambda: send_receipt_email.enqueue(payment_id=pk), robust=True)
