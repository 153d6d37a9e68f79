"""Billing's emails, sent by the task worker. Tasks take ids and build the link when they
run (decision 0079): no address, token or link waits in the queue."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string

from billing.links import pay_path
from billing.models import Invoice, InvoiceStatus
from billing.selectors import invoice_balance
from booking.links import absolute


@task
def send_pay_link(*, invoice_id: int) -> str:
    """The invoice's payment link to the patient, unless it was paid (or credited) since
    it was asked for. The email names the invoice and the amount, nothing clinical."""
    invoice = (
        Invoice.objects.select_related("patient")
        .filter(pk=invoice_id, status=InvoiceStatus.ISSUED, payer__isnull=True)
        .first()
    )
    if invoice is None or not invoice.patient.email:
        return "skipped: nothing to send"
    balance = invoice_balance(invoice)
    if balance.outstanding <= 0:
        return "skipped: paid"
    context = {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
        "patient": invoice.patient,
        "invoice": invoice,
        "due": balance.outstanding,
        "pay_url": absolute(pay_path(invoice)),
    }
    message = EmailMultiAlternatives(
        subject=f"Invoice {invoice.number} · {settings.CLINIC_NAME}",
        body=render_to_string("emails/pay_link.txt", context),
        to=[invoice.patient.email],
    )
    message.attach_alternative(render_to_string("emails/pay_link.html", context), "text/html")
    message.send()
    return "sent"


def after_pay_link_asked(*, invoice_id: int) -> None:
    transaction.on_commit(lambda: send_pay_link.enqueue(invoice_id=invoice_id), robust=True)
