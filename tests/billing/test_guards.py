"""Issued documents and money records refused by the database itself (migration 0002),
whoever asks: a queryset update or delete, a model save, raw SQL."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from billing.models import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    Refund,
)
from billing.services.credit_notes import credit_note_issue, refund_cash
from tests import factories
from tests.factories import NOW


def refused(action) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


@pytest.fixture
def issued(patient):
    return factories.invoice(patient, "60.00", "20.00")


def test_an_issued_invoice_cannot_change_or_go(issued):
    refused(lambda: Invoice.objects.filter(pk=issued.pk).update(notes="changed"))
    refused(lambda: Invoice.objects.filter(pk=issued.pk).update(status="draft", number=None))
    refused(lambda: Invoice.objects.filter(pk=issued.pk).delete())
    issued.total = Decimal("1.00")
    refused(issued.save)
    issued.refresh_from_db()
    assert issued.total == Decimal("80.00")


def test_raw_sql_is_refused_too(issued):
    def raw(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [issued.pk])

    refused(lambda: raw("UPDATE billing_invoice SET total = 0, net_total = 0 WHERE id = %s"))
    refused(lambda: raw("DELETE FROM billing_invoiceline WHERE invoice_id = %s"))
    refused(lambda: raw("UPDATE billing_invoiceline SET unit_price = 0 WHERE invoice_id = %s"))


def test_the_lines_of_an_issued_invoice_cannot_change_go_or_grow(issued):
    line = issued.lines.first()
    refused(lambda: InvoiceLine.objects.filter(pk=line.pk).update(unit_price=1))
    refused(lambda: InvoiceLine.objects.filter(pk=line.pk).delete())
    refused(lambda: InvoiceLine.objects.create(invoice=issued, description="x", unit_price=1))
    # Nor move to a draft, nor a draft's line onto the issued invoice.
    draft = factories.invoice(issued.patient, issued=False)
    refused(lambda: InvoiceLine.objects.filter(pk=line.pk).update(invoice=draft))
    refused(lambda: draft.lines.update(invoice=issued))
    assert issued.lines.count() == 2


def test_a_draft_changes_freely(patient):
    draft = factories.invoice(patient, issued=False)
    Invoice.objects.filter(pk=draft.pk).update(notes="Paid by the employer")
    draft.lines.update(unit_price=50)
    draft.delete()
    assert not Invoice.objects.exists()


def test_credit_notes_payments_allocations_and_refunds_never_change_or_go(issued):
    payment = factories.payment(issued.patient, "80.00", (issued, "80.00"))
    note = credit_note_issue(
        invoice=issued,
        reason="Wrong service",
        issued_by=factories.clerk(),
        now=NOW,
        amount=Decimal("20.00"),
    )
    refund = refund_cash(
        patient=issued.patient,
        amount=Decimal("20.00"),
        credit_note=note,
        refunded_by=factories.clerk(),
        now=NOW,
    )
    for model, pk in [
        (CreditNote, note.pk),
        (CreditNoteLine, note.lines.get().pk),
        (Payment, payment.pk),
        (PaymentAllocation, payment.allocations.get().pk),
        (Refund, refund.pk),
    ]:
        rows = model.objects.filter(pk=pk)
        refused(lambda rows=rows, pk=pk: rows.update(id=pk))
        refused(lambda rows=rows: rows.delete())
        assert rows.exists()
