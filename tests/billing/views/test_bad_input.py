"""Whatever is typed or forged into the billing forms: a clear answer, never a 500, and
nothing saved."""

import pytest
from django.urls import reverse

from billing.models import CreditNote, Invoice, InvoiceLine, Payment, PaymentAllocation, Refund
from clinic.roles import MANAGER
from tests import factories

NASTY = ["", "NaN", "Infinity", "-0", "1e999", "0.001", "9" * 40, "12,50", "£5", "\x00"]


def counts():
    models = [Invoice, InvoiceLine, Payment, PaymentAllocation, CreditNote, Refund]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


@pytest.mark.parametrize("value", NASTY)
def test_nothing_typed_breaks_a_billing_form(manager, patient, value):
    issued = factories.invoice(patient, "60.00")
    draft = factories.invoice(patient, "10.00", issued=False)
    line = draft.lines.get()
    before = counts()
    posts = [
        (
            "payment_new",
            patient.pk,
            {
                "method": "card",
                "amount": value,
                "idempotency_key": "k",
                f"invoice_{issued.pk}": value,
            },
        ),
        ("payment_new", patient.pk, {"method": value, "amount": "5", "idempotency_key": value}),
        ("credit_use", patient.pk, {"invoice": value, "amount": value}),
        ("refund_new", patient.pk, {"amount": value, "credit_note": value, "idempotency_key": "r"}),
        (
            "credit_note_new",
            issued.pk,
            {"reason": value, "amount": value, f"line_{issued.lines.get().pk}": value},
        ),
        (
            "line_add",
            draft.pk,
            {
                "description": value,
                "quantity": value,
                "unit_price": value,
                "vat_status": value,
                "vat_rate": value,
            },
        ),
        ("line_update", line.pk, {f"l{line.pk}-unit_price": value}),
        ("invoice_edit", draft.pk, {"payer": value, "due_on": value, "notes": value}),
    ]
    for name, pk, data in posts:
        response = manager.post(reverse(f"billing_staff:{name}", args=[pk]), data)
        assert response.status_code in (302, 400), (name, response.status_code)
    assert counts() == before
