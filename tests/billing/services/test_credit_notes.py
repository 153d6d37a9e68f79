from decimal import Decimal

import pytest

from billing.models import CreditNote, Refund, VatStatus
from billing.selectors import MoneyState, invoice_balance, patient_credit
from billing.services.credit_notes import CreditLine, credit_note_issue, refund_cash
from billing.services.errors import BillingError
from billing.services.invoices import LineInput, invoice_draft, invoice_issue
from tests import factories
from tests.factories import NOW


def credit(invoice, *, amount=None, lines=(), reason="Charged the wrong service"):
    return credit_note_issue(
        invoice=invoice,
        reason=reason,
        issued_by=factories.clerk(),
        now=NOW,
        amount=Decimal(amount) if amount else None,
        lines=lines,
    )


def refund(patient, amount, note=None, **options):
    return refund_cash(
        patient=patient,
        amount=Decimal(amount),
        credit_note=note,
        refunded_by=factories.clerk(),
        now=NOW,
        **options,
    )


def test_a_credit_note_has_its_own_numbers_and_credits_the_invoice(patient):
    invoice = factories.invoice(patient, "60.00")
    note = credit(invoice, amount="60.00")
    assert note.number == "CN-000001"
    assert note.total == Decimal("60.00")
    assert invoice_balance(invoice).state == MoneyState.CREDITED
    assert credit(factories.invoice(patient, "10.00"), amount="5.00").number == "CN-000002"


def test_it_credits_a_line_with_its_vat_in_proportion(patient):
    by = factories.clerk()
    product = LineInput(
        description="Heat pack",
        unit_price=Decimal("10.00"),
        vat_status=VatStatus.STANDARD,
        vat_rate=Decimal(20),
        quantity=2,
    )
    invoice = invoice_issue(
        invoice=invoice_draft(patient=patient, lines=[product], created_by=by),
        issued_by=by,
        now=NOW,
    )
    line = invoice.lines.get()
    note = credit(invoice, lines=[CreditLine(invoice_line_id=line.pk, amount=Decimal("12.00"))])
    assert (note.net_total, note.tax_total, note.total) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
    )
    with pytest.raises(BillingError, match=r"has £12\.00 left to credit"):
        credit(invoice, lines=[CreditLine(invoice_line_id=line.pk, amount=Decimal("12.01"))])


def test_it_never_credits_more_than_is_left(patient):
    invoice = factories.invoice(patient, "60.00")
    credit(invoice, amount="40.00")
    with pytest.raises(BillingError, match=r"£20\.00 left to credit"):
        credit(invoice, amount="20.01")
    assert CreditNote.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("10.00", "  ", "Say why"),
        ("-1", "Wrong", "more than zero"),
        ("1.001", "Wrong", "fractions of a penny"),
    ],
)
def test_it_refuses_bad_input(patient, amount, reason, message):
    invoice = factories.invoice(patient, "60.00")
    with pytest.raises(BillingError, match=message):
        credit(invoice, amount=amount, reason=reason)
    assert not CreditNote.objects.exists()


def test_a_draft_is_not_credited(patient):
    with pytest.raises(BillingError, match="Only an issued invoice"):
        credit(factories.invoice(patient, issued=False), amount="1.00")


def test_a_credit_note_on_a_paid_invoice_is_refunded_once(patient):
    invoice = factories.invoice(patient, "60.00")
    factories.payment(patient, "60.00", (invoice, "60.00"))
    note = credit(invoice, amount="25.00")
    assert invoice_balance(invoice).refundable == Decimal("25.00")
    refund(patient, "25.00", note)
    balance = invoice_balance(invoice)
    assert balance.state == MoneyState.PAID
    assert balance.outstanding == 0
    with pytest.raises(BillingError, match="no more than was paid"):
        refund(patient, "0.01", note)
    assert Refund.objects.count() == 1


def test_a_refund_never_exceeds_what_was_paid(patient):
    invoice = factories.invoice(patient, "60.00")
    factories.payment(patient, "20.00", (invoice, "20.00"))
    note = credit(invoice, amount="60.00")  # only 20.00 of it was paid
    with pytest.raises(BillingError, match=r"Only £20.00 can be refunded"):
        refund(patient, "20.01", note)
    refund(patient, "20.00", note)


def test_unused_credit_is_refunded_and_no_more(patient):
    factories.payment(patient, "30.00")
    refund(patient, "30.00")
    assert patient_credit(patient.pk) == 0
    with pytest.raises(BillingError, match=r"Only £0.00 can be refunded"):
        refund(patient, "1.00")


def test_another_patients_credit_note_is_refused(patient, dana):
    invoice = factories.invoice(dana, "60.00")
    factories.payment(dana, "60.00", (invoice, "60.00"))
    note = credit(invoice, amount="60.00")
    with pytest.raises(BillingError, match="not this patient's"):
        refund(patient, "60.00", note)


def test_a_double_click_refunds_once(patient):
    factories.payment(patient, "30.00")
    first = refund(patient, "10.00", idempotency_key="r1")
    assert refund(patient, "10.00", idempotency_key="r1") == first
    assert patient_credit(patient.pk) == Decimal("20.00")


def test_a_credit_note_and_its_refund_take_fixed_numbers_of_queries(
    patient, django_assert_num_queries
):
    by = factories.clerk()
    for prices in (["60.00"], ["10.00"] * 8):
        invoice = factories.invoice(patient, *prices)
        factories.payment(patient, str(invoice.total), (invoice, str(invoice.total)))
        lines = [CreditLine(line.pk, Decimal("1.00")) for line in invoice.lines.all()]
        # savepoint; lock the patient; lock the invoice; its balance; its lines with what
        # was credited of each; make, lock and save the sequence row; insert the note;
        # insert its lines; release
        with django_assert_num_queries(11):
            note = credit_note_issue(
                invoice=invoice, reason="Wrong price", issued_by=by, now=NOW, lines=lines
            )
        # savepoint; lock the patient; lock the invoice; its balance; the note's refunds;
        # insert the refund; release
        with django_assert_num_queries(7):
            refund_cash(
                patient=patient,
                amount=Decimal("1.00"),
                credit_note=note,
                refunded_by=by,
                now=NOW,
            )
