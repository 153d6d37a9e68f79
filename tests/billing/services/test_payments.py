from decimal import Decimal

import pytest

from billing.models import Payment, PaymentAllocation
from billing.selectors import MoneyState, invoice_balance, patient_credit
from billing.services.errors import BillingError
from billing.services.payments import Allocation, credit_apply, payment_take
from tests import factories
from tests.factories import NOW


def take(patient, amount, *paid, **options):
    options.setdefault("method", "card")
    if "taken_by" not in options:
        options["taken_by"] = factories.clerk()
    return payment_take(
        patient=patient,
        amount=Decimal(amount),
        allocations=[Allocation(invoice_id=inv.pk, amount=Decimal(part)) for inv, part in paid],
        now=NOW,
        **options,
    )


def test_it_pays_an_invoice_in_parts(patient):
    invoice = factories.invoice(patient, "60.00")
    take(patient, "20.00", (invoice, "20.00"))
    assert invoice_balance(invoice).state == MoneyState.PART_PAID
    take(patient, "40.00", (invoice, "40.00"), method="cash")
    balance = invoice_balance(invoice)
    assert balance.state == MoneyState.PAID
    assert balance.outstanding == 0


def test_one_payment_pays_several_invoices(patient):
    first, second = factories.invoice(patient, "60.00"), factories.invoice(patient, "45.00")
    payment = take(patient, "105.00", (first, "60.00"), (second, "45.00"))
    assert payment.allocations.count() == 2
    assert invoice_balance(first).state == invoice_balance(second).state == MoneyState.PAID
    assert patient_credit(patient.pk) == 0


def test_more_than_owed_is_the_patients_credit(patient):
    invoice = factories.invoice(patient, "60.00")
    take(patient, "100.00", (invoice, "60.00"))
    assert patient_credit(patient.pk) == Decimal("40.00")


def test_credit_pays_the_next_invoice(patient):
    take(patient, "30.00")
    take(patient, "20.00")
    invoice = factories.invoice(patient, "45.00")
    rows = credit_apply(
        patient=patient,
        invoice_id=invoice.pk,
        amount=Decimal("45.00"),
        allocated_by=factories.clerk(),
        now=NOW,
    )
    assert [row.amount for row in rows] == [Decimal("30.00"), Decimal("15.00")]
    assert invoice_balance(invoice).state == MoneyState.PAID
    assert patient_credit(patient.pk) == Decimal("5.00")


def test_credit_beyond_what_the_patient_has_is_refused(patient):
    take(patient, "10.00")
    invoice = factories.invoice(patient, "45.00")
    with pytest.raises(BillingError, match="more than the patient's credit"):
        credit_apply(
            patient=patient,
            invoice_id=invoice.pk,
            amount=Decimal("10.01"),
            allocated_by=factories.clerk(),
            now=NOW,
        )
    assert not PaymentAllocation.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-5.00", "more than zero"),
        ("10.005", "fractions of a penny"),
        ("100000000.00", "too large"),
        ("NaN", "more than zero"),
    ],
)
def test_it_refuses_bad_amounts(patient, amount, message):
    with pytest.raises(BillingError, match=message):
        take(patient, amount)
    assert not Payment.objects.exists()


def test_it_refuses_more_than_owed_and_saves_nothing(patient):
    invoice = factories.invoice(patient, "60.00")
    with pytest.raises(BillingError, match=r"outstanding £60\.00"):
        take(patient, "80.00", (invoice, "60.01"))
    assert not Payment.objects.exists()


def test_it_refuses_allocations_beyond_the_payment(patient):
    invoice = factories.invoice(patient, "60.00")
    with pytest.raises(BillingError, match="more than the payment"):
        take(patient, "50.00", (invoice, "60.00"))


def test_it_refuses_another_patients_invoice(patient, dana):
    theirs = factories.invoice(dana, "60.00")
    with pytest.raises(BillingError, match="not one of this patient's"):
        take(patient, "60.00", (theirs, "60.00"))
    assert not Payment.objects.exists()


def test_it_refuses_a_draft(patient):
    draft = factories.invoice(patient, "60.00", issued=False)
    with pytest.raises(BillingError, match="Issue the invoice"):
        take(patient, "60.00", (draft, "60.00"))


def test_it_refuses_online_at_the_desk(patient):
    with pytest.raises(BillingError, match="how the patient paid"):
        take(patient, "60.00", method="online")


def test_a_double_click_records_once(patient):
    invoice = factories.invoice(patient, "60.00")
    first = take(patient, "60.00", (invoice, "60.00"), idempotency_key="k" * 32)
    again = take(patient, "60.00", (invoice, "60.00"), idempotency_key="k" * 32)
    assert again == first
    assert Payment.objects.count() == 1
    assert PaymentAllocation.objects.count() == 1


def test_taking_a_payment_takes_a_fixed_number_of_queries(patient, django_assert_num_queries):
    invoices = [factories.invoice(patient, "10.00") for _ in range(5)]
    by = factories.clerk()
    for paid in (invoices[:1], invoices[1:]):
        # savepoint; lock the patient; look for the idempotency key; lock the invoices;
        # read their balances; insert the payment; insert the allocations; release
        with django_assert_num_queries(8):
            take(
                patient,
                "40.00",
                *[(inv, "10.00") for inv in paid],
                idempotency_key=str(len(paid)),
                taken_by=by,
            )


def test_a_key_used_for_another_patient_is_refused(patient, dana):
    take(dana, "10.00", idempotency_key="shared")
    with pytest.raises(BillingError, match="already used"):
        take(patient, "10.00", idempotency_key="shared")
    assert Payment.objects.get().patient == dana


def test_using_credit_takes_a_fixed_number_of_queries(patient, django_assert_num_queries):
    by = factories.clerk()
    for count in (1, 6):
        for _ in range(count):
            take(patient, "5.00", taken_by=by)
        invoice = factories.invoice(patient, "100.00")
        # savepoint; lock the patient; lock the invoice; its balance; the credit; the
        # payments with what is left of each; insert the allocations; release
        with django_assert_num_queries(8):
            credit_apply(
                patient=patient,
                invoice_id=invoice.pk,
                amount=Decimal(5 * count),
                allocated_by=by,
                now=NOW,
            )
