"""Billing's emails, sent by the task worker. Tasks take ids and build the link when they
run (decision 0079): no address, token or link waits in the queue."""

from django.db import transaction
from django.tasks import task
from django.utils import dateformat

from billing.links import pay_path
from billing.models import Invoice, InvoiceStatus
from billing.selectors import invoice_balance
from booking.links import absolute
from clinic.money import format_money
from messaging.rendering import Action, email_message

# What each kind of pay link says: the desk's "email a payment link", and a late
# cancellation or no-show fee left to pay (the saved card declined, or none to charge).
PAY_LINK_EMAILS = {"invoice": "pay_link", "fee": "fee_pay_link"}


@task
def send_pay_link(*, invoice_id: int, kind: str = "invoice", card_failed: bool = False) -> str:
    """The invoice's payment link to the patient, unless it was paid (or credited) since
    it was asked for, or the patient's record was archived. The email names the invoice
    and the amount, nothing clinical (no service, no reason for the visit)."""
    invoice = (
        Invoice.objects.select_related("patient")
        .filter(
            pk=invoice_id,
            status=InvoiceStatus.ISSUED,
            payer__isnull=True,
            patient__is_archived=False,
        )
        .first()
    )
    if invoice is None or not invoice.patient.email:
        return "skipped: nothing to send"
    balance = invoice_balance(invoice)
    if balance.outstanding <= 0:
        return "skipped: paid"
    email_kind = "fee_card_declined" if kind == "fee" and card_failed else PAY_LINK_EMAILS[kind]
    pay_url = absolute(pay_path(invoice))
    context = {
        "first_name": invoice.patient.first_name,
        "invoice_number": invoice.number or "",
        "issued_on": dateformat.format(invoice.issued_at, "j F Y") if invoice.issued_at else "",
        "amount": format_money(balance.outstanding, invoice.currency),
        "link": pay_url,
    }
    email_message(
        email_kind,
        to=invoice.patient.email,
        patient=invoice.patient,
        context=context,
        action=Action(f"Pay invoice {invoice.number}", pay_url),
    ).send()
    return "sent"


def after_pay_link_asked(*, invoice_id: int) -> None:
    transaction.on_commit(lambda: send_pay_link.enqueue(invoice_id=invoice_id), robust=True)


def after_fee_unpaid(*, invoice_id: int, card_failed: bool) -> None:
    """A fee's invoice left to pay: its payment link once the charge (or the invoicing)
    commits."""
    transaction.on_commit(
        lambda: send_pay_link.enqueue(invoice_id=invoice_id, kind="fee", card_failed=card_failed),
        robust=True,
    )
