"""The manager's credit notes and refunds; the front desk may do neither."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import CreditNote, Refund
from billing.selectors import MoneyState, invoice_balance
from clinic.roles import MANAGER
from tests import factories


def url(name, *args):
    return reverse(f"billing_staff:{name}", args=args)


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


def test_the_manager_credits_an_invoice_and_refunds_what_was_paid(manager, patient):
    invoice = factories.invoice(patient, "60.00")
    factories.payment(patient, "60.00", (invoice, "60.00"), method="cash")
    response = manager.post(
        url("credit_note_new", invoice.pk), {"reason": "Session cut short", "amount": "20.00"}
    )
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert note.number == "CN-000001"
    assert "Refund £20.00" in manager.get(url("invoice", invoice.pk)).text

    form = manager.get(url("refund_new", patient.pk))
    key = form.context["form"]["idempotency_key"].value()
    data = {"credit_note": note.pk, "amount": "20.00", "idempotency_key": key}
    manager.post(url("refund_new", patient.pk), data)
    manager.post(url("refund_new", patient.pk), data)  # a double click
    assert Refund.objects.get().amount == Decimal("20.00")

    again = manager.post(url("refund_new", patient.pk), data | {"idempotency_key": "other"})
    assert again.status_code == 400
    assert "no more than was paid" in again.text
    assert Refund.objects.count() == 1
    assert invoice_balance(invoice).state == MoneyState.PAID


def test_a_credit_note_needs_a_reason_and_at_most_the_total(manager, patient):
    invoice = factories.invoice(patient, "60.00")
    response = manager.post(url("credit_note_new", invoice.pk), {"reason": "", "amount": "10"})
    assert response.status_code == 400
    response = manager.post(url("credit_note_new", invoice.pk), {"reason": "x", "amount": "61"})
    assert response.status_code == 400
    assert "£60.00 left to credit" in response.text
    assert not CreditNote.objects.exists()


def test_the_front_desk_can_neither_credit_nor_refund(desk, patient):
    invoice = factories.invoice(patient, "60.00")
    assert (
        desk.post(url("credit_note_new", invoice.pk), {"reason": "x", "amount": "1"}).status_code
        == 403
    )
    assert desk.post(url("refund_new", patient.pk), {"amount": "1"}).status_code == 403
    assert not CreditNote.objects.exists()
    assert not Refund.objects.exists()
