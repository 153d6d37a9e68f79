"""Gift vouchers through the services: sold as an invoice outside the scope of VAT, a code
given out once paid (only its hash kept), spent on invoices and at booking, expiry, the
liabilities report, and takings that never count a voucher spent as money in."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from billing.models import (
    GiftVoucher,
    InvoiceLine,
    Payment,
    PaymentMethod,
    VatStatus,
    VoucherStatus,
)
from billing.periodic import expire_vouchers
from billing.selectors import invoice_balance, patient_credit
from billing.selectors.cash_ups import cash_up_expected
from billing.selectors.revenue import revenue
from billing.selectors.takings import load_takings
from billing.selectors.vouchers import voucher_figures, voucher_liabilities
from billing.services.errors import BillingError
from billing.services.voucher_delivery import voucher_sale_paid
from billing.services.voucher_sales import add_months, voucher_sell
from billing.services.vouchers import (
    ALPHABET,
    NOT_VALID,
    code_new,
    code_normalised,
    tries_allowed,
    voucher_apply_at_booking,
    voucher_code_issue,
    voucher_find,
    voucher_redeem_on_invoice,
    voucher_usable,
    vouchers_expire,
)
from tests import factories
from tests.factories import NOW, at

FIFTY = Decimal("50.00")


def sold(buyer, amount: str = "50.00", *, now: dt.datetime = NOW, **fields) -> GiftVoucher:
    options = {"recipient_name": "Robin Gift", "recipient_email": "robin@example.com"}
    options |= {"message": "Happy birthday!"} | fields
    return voucher_sell(
        buyer=buyer, amount=Decimal(amount), sold_by=factories.clerk(), now=now, **options
    )


def paid_voucher(
    buyer, amount: str = "50.00", *, now: dt.datetime = NOW
) -> tuple[GiftVoucher, str]:
    """A voucher sold and paid at the desk, and its code."""
    voucher = sold(buyer, amount, now=now)
    factories.payment(buyer, amount, (voucher.sale_invoice, amount), now=now)
    return voucher, voucher_code_issue(voucher=voucher, now=now)


def test_a_code_is_16_unambiguous_characters_in_groups_and_read_forgivingly():
    code = code_new()
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert all(ch in ALPHABET for ch in "".join(groups))
    assert len(ALPHABET) == 32  # 16 characters of 5 bits: 80 bits
    assert code_normalised(code.lower().replace("-", " ")) == code.replace("-", "")
    assert code_normalised("ABCD EFGH JKMN PQRO") == "ABCDEFGHJKMNPQR0"  # O read as 0
    assert code_normalised("IL00-0000-0000-0000") == "1100000000000000"
    assert code_normalised("too short") == ""
    assert code_normalised("UUUU-UUUU-UUUU-UUUU") == ""  # U is not in the alphabet


def test_the_desk_sells_a_voucher_as_an_issued_invoice_outside_the_scope_of_vat(patient):
    voucher = sold(patient)
    invoice = voucher.sale_invoice
    assert invoice.patient == patient
    assert invoice.number
    assert invoice.total == FIFTY
    line = InvoiceLine.objects.get(invoice=invoice)
    assert line.vat_status == VatStatus.OUTSIDE_SCOPE
    assert line.tax == Decimal("0.00")
    assert voucher.expires_on == dt.date(2029, 1, 4)  # 24 months (the terms by default)
    assert voucher.code_hash is None
    # Unpaid: no code can be given out.
    with pytest.raises(BillingError) as refused:
        voucher_code_issue(voucher=voucher, now=NOW)
    assert refused.value.code == "voucher_unpaid"


def test_expiry_months_keep_the_day_or_take_the_months_last():
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 12, 15), 24) == dt.date(2029, 12, 15)
    assert add_months(dt.date(2028, 2, 29), 12) == dt.date(2029, 2, 28)


@pytest.mark.parametrize("amount", ["5.00", "500.01"])
def test_an_amount_outside_the_clinics_range_is_refused(patient, amount):
    with pytest.raises(BillingError) as refused:
        sold(patient, amount)
    assert refused.value.code == "voucher_amount"
    assert not GiftVoucher.objects.exists()


def test_only_a_hash_of_the_code_is_kept(patient):
    voucher, code = paid_voucher(patient)
    voucher.refresh_from_db()
    plain = code.replace("-", "")
    stored = [str(value) for value in GiftVoucher.objects.values().get().values()]
    assert not any(plain in value or code in value for value in stored)
    assert len(voucher.code_hash) == 64
    assert voucher.code_last4 == plain[-4:]
    assert voucher_find(code.lower()) == voucher
    # A new code replaces the old one, which stops working.
    again = voucher_code_issue(voucher=voucher, now=NOW)
    assert voucher_find(again) == voucher
    assert voucher_find(code) is None


def test_a_voucher_pays_part_of_an_invoice_and_a_replay_finds_no_balance(patient, dana):
    _, code = paid_voucher(patient)
    invoice = factories.invoice(dana, "60.00")
    voucher_redeem_on_invoice(
        code=code, invoice_id=invoice.pk, patient=dana, amount=FIFTY, by=factories.clerk(), now=NOW
    )
    assert invoice_balance(invoice).outstanding == Decimal("10.00")
    payment = Payment.objects.get(method=PaymentMethod.VOUCHER)
    assert payment.patient == dana
    assert payment.allocations.get().invoice == invoice
    with pytest.raises(BillingError) as replay:
        voucher_redeem_on_invoice(
            code=code,
            invoice_id=invoice.pk,
            patient=dana,
            amount=Decimal("10.00"),
            by=factories.clerk(),
            now=NOW,
        )
    assert replay.value.code == "voucher_used_up"
    assert "no balance left" in replay.value.message


def test_never_more_than_the_balance_nor_the_invoices_outstanding(patient):
    _, code = paid_voucher(patient, "30.00")
    invoice = factories.invoice(patient, "60.00")
    by = factories.clerk()
    with pytest.raises(BillingError) as short:
        voucher_redeem_on_invoice(
            code=code, invoice_id=invoice.pk, patient=patient, amount=FIFTY, by=by, now=NOW
        )
    assert short.value.message == "The voucher has only £30.00 left."
    small = factories.invoice(patient, "20.00")
    with pytest.raises(BillingError) as over:
        voucher_redeem_on_invoice(
            code=code, invoice_id=small.pk, patient=patient, amount=Decimal("25.00"), by=by, now=NOW
        )
    assert over.value.code == "over_owed"
    assert not Payment.objects.filter(method=PaymentMethod.VOUCHER).exists()


def test_unknown_unpaid_and_expired_codes_are_refused(patient):
    with pytest.raises(BillingError) as unknown:
        voucher_usable(code=code_new(), now=NOW)
    assert unknown.value.message == NOT_VALID
    voucher, code = paid_voucher(patient)
    later = dt.datetime(2029, 1, 5, 12, tzinfo=dt.UTC)
    with pytest.raises(BillingError) as expired:
        voucher_usable(code=code, now=later)
    assert expired.value.code == "voucher_expired"
    assert voucher_usable(code=code, now=dt.datetime(2029, 1, 4, 12, tzinfo=dt.UTC)) == (
        voucher,
        FIFTY,
    )


def test_a_voucher_used_at_booking_pays_that_sessions_invoice_when_issued(clinic, patient, dana):
    _, code = paid_voucher(patient, "100.00")
    appointment = factories.book(clinic, dana, at(9))  # the initial assessment, £75
    redemption = voucher_apply_at_booking(appointment=appointment, code=code, now=NOW)
    assert redemption is not None
    assert redemption.amount == Decimal("75.00")
    assert redemption.payment.appointment == appointment
    # The same appointment again (a repeated submission) spends nothing more.
    assert voucher_apply_at_booking(appointment=appointment, code=code, now=NOW) == redemption
    invoice = factories.session_invoice(dana, (appointment, "75.00"))
    assert invoice_balance(invoice).outstanding == Decimal("0.00")
    assert patient_credit(dana.pk) == Decimal("0.00")


def test_a_voucher_carries_its_balance_over_to_a_second_booking(clinic, patient, dana):
    voucher, code = paid_voucher(patient, "100.00")
    first = factories.book(clinic, dana, at(9))
    second = factories.book(clinic, dana, at(9, day=dt.date(2027, 1, 12)))
    assert voucher_apply_at_booking(appointment=first, code=code, now=NOW).amount == Decimal(
        "75.00"
    )
    assert voucher_apply_at_booking(appointment=second, code=code, now=NOW).amount == Decimal(
        "25.00"
    )
    assert voucher_figures(voucher).balance == Decimal("0.00")
    third = factories.book(clinic, dana, at(9, day=dt.date(2027, 1, 13)))
    with pytest.raises(BillingError) as spent:
        voucher_apply_at_booking(appointment=third, code=code, now=NOW)
    assert spent.value.message == NOT_VALID


def test_no_code_at_booking_spends_nothing(clinic, patient):
    appointment = factories.book(clinic, patient, at(9))
    assert voucher_apply_at_booking(appointment=appointment, code="  ", now=NOW) is None


def test_expiry_marks_vouchers_and_they_leave_the_liabilities(patient):
    voucher, code = paid_voucher(patient)
    unpaid = sold(patient, "30.00")
    assert voucher_liabilities(at=NOW) == FIFTY  # the unpaid one owes nothing yet
    invoice = factories.invoice(patient, "20.00")
    later = NOW + dt.timedelta(days=30)
    voucher_redeem_on_invoice(
        code=code,
        invoice_id=invoice.pk,
        patient=patient,
        amount=Decimal("20.00"),
        by=factories.clerk(),
        now=later,
    )
    assert voucher_liabilities(at=later) == Decimal("30.00")
    assert voucher_liabilities(at=NOW) == FIFTY  # as recorded then
    assert voucher_liabilities(at=NOW - dt.timedelta(minutes=1)) == Decimal("0.00")
    after = dt.datetime(2029, 1, 5, 9, tzinfo=dt.UTC)
    assert voucher_liabilities(at=after) == Decimal("0.00")  # by its date, before the task
    assert vouchers_expire(now=after) == 2
    voucher.refresh_from_db()
    unpaid.refresh_from_db()
    assert voucher.status == unpaid.status == VoucherStatus.EXPIRED
    assert vouchers_expire(now=after) == 0


def test_takings_count_the_sale_and_never_the_voucher_spent(clinic, patient, dana):
    _, code = paid_voucher(patient)
    invoice = factories.session_invoice(dana, (factories.book(clinic, dana, at(9)), "60.00"))
    voucher_redeem_on_invoice(
        code=code, invoice_id=invoice.pk, patient=dana, amount=FIFTY, by=factories.clerk(), now=NOW
    )
    day = NOW.date()
    report = load_takings(first_day=day, last_day=day, as_of=day, zone=dt.UTC)
    assert report.total == FIFTY  # the sale's card payment, once
    assert PaymentMethod.VOUCHER not in report.by_method
    mine = load_takings(
        first_day=day, last_day=day, as_of=day, zone=dt.UTC, practitioner_id=clinic.alice.pk
    )
    assert mine.total == Decimal("0.00")
    # The location's revenue counts money paid there: the voucher's spending is not.
    assert revenue(location=clinic.location, first_day=day, last_day=day).paid == Decimal("0")
    # The cash-up expects the card payment of the sale, and nothing for the voucher.
    expected = cash_up_expected(location=clinic.location, day=day)
    assert sum(expected.by_method.values()) + expected.unplaced == FIFTY


def test_the_code_is_emailed_once_the_sale_is_paid(
    patient, django_capture_on_commit_callbacks, settings
):
    settings.CLINIC_NAME = "Riverside Clinic"  # the demo's name says what it treats
    voucher = sold(patient, message="Enjoy, love Sam")
    voucher_sale_paid(invoice_id=voucher.sale_invoice_id)  # not paid: nothing
    factories.payment(patient, "50.00", (voucher.sale_invoice, "50.00"))
    with django_capture_on_commit_callbacks(execute=True):
        voucher_sale_paid(invoice_id=voucher.sale_invoice_id)
    to_recipient, copy = mail.outbox
    assert to_recipient.to == ["robin@example.com"]
    assert copy.to == [patient.email]
    code = next(word for word in to_recipient.body.split() if code_normalised(word) and "-" in word)
    assert voucher_find(code) == voucher
    for text in (to_recipient.body, to_recipient.alternatives[0][0]):
        assert "£50.00" in text
        assert "4 January 2029" in text
        assert "Enjoy, love Sam" in text
        assert code in text
        for clinical in ("needling", "pain", "treatment", "assessment"):
            assert clinical not in text.lower()
    # Sent once: a second payment event sends nothing more.
    mail.outbox.clear()
    voucher_sale_paid(invoice_id=voucher.sale_invoice_id)
    assert mail.outbox == []


def test_tries_are_limited_per_address(db):
    now = NOW
    for _ in range(10):
        assert tries_allowed(code=code_new(), ip="203.0.113.9", now=now)
    assert not tries_allowed(code=code_new(), ip="203.0.113.9", now=now)
    assert tries_allowed(code=code_new(), ip="203.0.113.10", now=now)
    with time_machine.travel(now + dt.timedelta(hours=2)):
        assert tries_allowed(code=code_new(), ip="203.0.113.9", now=now + dt.timedelta(hours=2))


def test_a_sale_queues_no_task_and_the_nightly_job_marks_it_expired(
    patient, django_capture_on_commit_callbacks
):
    from django.tasks import task_backends

    deferred = task_backends["deferred"]
    deferred.clear()
    with django_capture_on_commit_callbacks(execute=True):
        voucher = sold(patient)
    assert deferred.results == []  # expiry is one of the nightly jobs, not one per sale
    with time_machine.travel(dt.datetime(2029, 1, 4, 23, 59, tzinfo=dt.UTC)):
        assert expire_vouchers.call() == "0 expired"  # its last day (London, GMT)
    with time_machine.travel(dt.datetime(2029, 1, 5, 3, 0, tzinfo=dt.UTC)):
        assert expire_vouchers.call() == "1 expired"
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED
    deferred.clear()
