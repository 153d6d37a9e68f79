"""The email of a fee left to pay: its invoice's payment link, after the saved card could
not be charged or when the clinic has no card to charge. Like every billing email it names
the invoice and the amount, nothing clinical (no service, no reason for the visit)."""

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
def send_fee_pay_link(*, invoice_id: int, card_failed: bool) -> str:
    invoice = (
        Invoice.objects.select_related("patient")
        .filter(pk=invoice_id, status=InvoiceStatus.ISSUED, patient__is_archived=False)
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
        "card_failed": card_failed,
        "pay_url": absolute(pay_path(invoice)),
    }
    message = EmailMultiAlternatives(
        subject=f"Invoice {invoice.number} to pay · {settings.CLINIC_NAME}",
        body=render_to_string("emails/fee_pay_link.txt", context),
        to=[invoice.patient.email],
    )
    message.attach_alternative(render_to_string("emails/fee_pay_link.html", context), "text/html")
    message.send()
    return "sent"


def after_fee_unpaid(*, invoice_id: int, card_failed: bool) -> None:
    transaction.on_commit(
        lambda: send_fee_pay_link.enqueue(invoice_id=invoice_id, card_failed=card_failed),
        robust=True,
    )
