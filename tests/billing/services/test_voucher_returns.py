"""A gift voucher spent at online booking comes back whole when the session is cancelled
in time (decision 0106): a refund "back on the gift voucher" naming the voucher payment,
once, that takings and cash-ups never count as money out; a late cancellation or a
no-show keeps it as the patient's credit."""

import datetime as dt
import importlib
import os
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from billing.models import GiftVoucher, Payment, PaymentMethod, Refund, RefundMethod
from billing.selectors import held_for_appointments, patient_credit
from billing.selectors.cash_ups import cash_up_expected
from billing.selectors.takings import load_takings
from billing.selectors.vouchers import voucher_figures, voucher_liabilities
from billing.services.errors import BillingError
from billing.services.payments import credit_apply
from billing.services.voucher_returns import voucher_give_back
from billing.services.vouchers import voucher_apply_at_booking, voucher_usable
from booking.models import Appointment, AppointmentStatus
from booking.services.changes import appointment_cancel
from booking.services.status import appointment_transition
from booking.signals import appointment_status_changed
from tests import factories
from tests.billing.services.test_vouchers import paid_voucher
from tests.factories import NOW, at

HUNDRED = Decimal("100.00")
PRICE = Decimal("75.00")  # the initial assessment, which factories.book books


def booked_with_voucher(clinic, buyer, patient, *, sold_at: dt.datetime = NOW):
    """A £100 voucher bought by `buyer`, £75 of it spent on `patient`'s session booked
    for MONDAY."""
    voucher, code = paid_voucher(buyer, "100.00", now=sold_at)
    appointment = factories.book(clinic, patient, at(9))
    redemption = voucher_apply_at_booking(appointment=appointment, code=code, now=NOW)
    assert redemption is not None
    return voucher, code, appointment, redemption


def cancel_in_time(appointment: Appointment, *, now: dt.datetime = NOW) -> Appointment:
    cancelled = appointment_cancel(appointment=appointment, now=now, by_patient=True)
    assert cancelled.status == AppointmentStatus.CANCELLED
    return cancelled


def test_a_cancellation_in_time_puts_the_voucher_back_whole(clinic, patient, dana):
    voucher, code, appointment, redemption = booked_with_voucher(clinic, patient, dana)
    assert voucher_figures(voucher).balance == Decimal("25.00")
    assert patient_credit(dana.pk) == PRICE  # towards the session until it is invoiced

    cancel_in_time(appointment)

    refund = Refund.objects.get()
    assert refund.method == RefundMethod.VOUCHER
    assert (refund.payment, refund.amount, refund.credit_note) == (redemption.payment, PRICE, None)
    assert refund.patient == dana
    assert refund.reference == f"Cancelled in time: {appointment.reference}"
    figures = voucher_figures(voucher)
    assert (figures.balance, figures.returned) == (HUNDRED, PRICE)
    # The credit the voucher payment made is gone with it: as before the booking.
    assert patient_credit(dana.pk) == Decimal("0.00")
    assert held_for_appointments([appointment.pk]) == []
    assert voucher_liabilities(at=NOW) == HUNDRED
    # Whole again: it pays the next booking as before.
    again = factories.book(clinic, dana, at(9, day=dt.date(2027, 1, 12)))
    assert voucher_apply_at_booking(appointment=again, code=code, now=NOW).amount == PRICE


def test_liabilities_as_recorded_then_read_the_return_at_its_time(clinic, patient, dana):
    _, _, appointment, _ = booked_with_voucher(clinic, patient, dana)
    later = NOW + dt.timedelta(hours=1)
    cancel_in_time(appointment, now=later)
    assert voucher_liabilities(at=NOW) == Decimal("25.00")
    assert voucher_liabilities(at=later) == HUNDRED


@pytest.mark.parametrize("how", ["late", "no_show"])
def test_a_late_cancellation_or_a_no_show_keeps_the_voucher_spent(clinic, patient, dana, how):
    voucher, _, appointment, _ = booked_with_voucher(clinic, patient, dana)
    if how == "late":
        appointment_cancel(
            appointment=appointment,
            now=appointment.start - dt.timedelta(hours=2),
            by_patient=False,
            by=factories.clerk(),
        )
        expected = AppointmentStatus.LATE_CANCELLED
    else:
        appointment_transition(
            appointment=appointment,
            action="no_show",
            now=appointment.start + dt.timedelta(minutes=20),
            by=factories.clerk(),
        )
        expected = AppointmentStatus.NO_SHOW
    appointment.refresh_from_db()
    assert appointment.status == expected
    assert voucher_give_back(appointment=appointment, now=NOW) == []
    assert not Refund.objects.exists()
    assert voucher_figures(voucher).balance == Decimal("25.00")
    assert patient_credit(dana.pk) == PRICE  # towards the fee's invoice


def test_a_second_signal_or_a_replay_gives_back_nothing_more(clinic, patient, dana):
    voucher, _, appointment, _ = booked_with_voucher(clinic, patient, dana)
    cancelled = cancel_in_time(appointment)
    appointment_status_changed.send(
        Appointment,
        appointment=cancelled,
        previous=AppointmentStatus.CONFIRMED,
        now=NOW + dt.timedelta(minutes=5),
        by=None,
    )
    assert voucher_give_back(appointment=cancelled, now=NOW + dt.timedelta(hours=1)) == []
    assert Refund.objects.count() == 1
    assert voucher_figures(voucher).balance == HUNDRED
    assert patient_credit(dana.pk) == Decimal("0.00")


def test_only_what_was_not_put_against_an_invoice_goes_back(clinic, patient, dana):
    voucher, _, appointment, _ = booked_with_voucher(clinic, patient, dana)
    other = factories.invoice(dana, "30.00")
    # The desk used £30 of the credit (the voucher payment) on another invoice.
    credit_apply(
        patient=dana,
        invoice_id=other.pk,
        amount=Decimal("30.00"),
        allocated_by=factories.clerk(),
        now=NOW,
    )
    cancel_in_time(appointment)
    assert Refund.objects.get().amount == Decimal("45.00")
    assert voucher_figures(voucher).balance == Decimal("70.00")
    assert patient_credit(dana.pk) == Decimal("0.00")


def test_credit_used_later_never_comes_from_a_payment_given_back(clinic, patient, dana):
    _, _, appointment, redemption = booked_with_voucher(clinic, patient, dana)
    cancel_in_time(appointment)
    cash = factories.payment(dana, "30.00", method="cash")
    invoice = factories.invoice(dana, "30.00")
    (allocation,) = credit_apply(
        patient=dana,
        invoice_id=invoice.pk,
        amount=Decimal("30.00"),
        allocated_by=factories.clerk(),
        now=NOW,
    )
    assert allocation.payment == cash  # not the voucher payment, though older
    assert not redemption.payment.allocations.exists()


def test_an_expired_voucher_takes_the_money_back_and_stays_expired(clinic, patient, dana):
    # Sold two years back: it expires on 6 Jan 2027, after the booking, before the cancel.
    voucher, code, appointment, _ = booked_with_voucher(
        clinic, patient, dana, sold_at=dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC)
    )
    assert voucher.expires_on == dt.date(2027, 1, 6)
    cancelled_at = dt.datetime(2027, 1, 8, 9, tzinfo=dt.UTC)
    cancel_in_time(appointment, now=cancelled_at)
    figures = voucher_figures(voucher)
    assert figures.balance == HUNDRED
    assert figures.state(cancelled_at.date()) == "Expired"
    with pytest.raises(BillingError) as refused:
        voucher_usable(code=code, now=cancelled_at)
    assert refused.value.code == "voucher_expired"
    assert patient_credit(dana.pk) == Decimal("0.00")
    assert voucher_liabilities(at=cancelled_at) == Decimal("0.00")


def test_takings_and_the_cash_up_never_count_it_as_money_out(clinic, patient, dana):
    _, _, appointment, _ = booked_with_voucher(clinic, patient, dana)
    day = NOW.date()

    def figures():
        report = load_takings(first_day=day, last_day=day, as_of=day, zone=dt.UTC)
        expected = cash_up_expected(location=clinic.location, day=day)
        return report, sum(expected.by_method.values()) + expected.unplaced

    before, drawer_before = figures()
    cancel_in_time(appointment)
    after, drawer_after = figures()
    assert after.refunds == []
    assert after.refunds_total == Decimal("0")
    assert after.total == before.total == HUNDRED  # the sale's card payment, once
    assert drawer_after == drawer_before == HUNDRED
    # The credit held falls by what went back on the voucher, as the patient's credit.
    assert before.credit_held - after.credit_held == PRICE
    assert after.credit_held == patient_credit(dana.pk) + patient_credit(patient.pk)


def test_the_database_refuses_a_voucher_refund_not_naming_a_voucher_payment(patient):
    cash = factories.payment(patient, "20.00", method="cash")
    fields = {
        "patient": patient,
        "method": RefundMethod.VOUCHER,
        "amount": Decimal("5.00"),
        "currency": "GBP",
        "refunded_at": NOW,
    }
    for payment in (None, cash):
        with pytest.raises(IntegrityError), transaction.atomic():
            Refund.objects.create(payment=payment, **fields)
    assert not Refund.objects.exists()


def test_a_voucher_refund_is_never_changed_or_deleted(clinic, patient, dana):
    _, _, appointment, _ = booked_with_voucher(clinic, patient, dana)
    cancel_in_time(appointment)
    refund = Refund.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(amount=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.filter(pk=refund.pk).delete()


def test_the_desks_pages_show_it_back_on_the_voucher(clinic, desk, patient, dana):
    voucher, _, appointment, _ = booked_with_voucher(clinic, patient, dana)
    cancel_in_time(appointment)
    account = desk.get(reverse("billing_staff:account", args=[dana.pk]))
    assert "back on the gift voucher, from credit" in account.text
    assert "back on the voucher £75.00" in account.text
    page = desk.get(reverse("billing_staff:voucher", args=[voucher.pk]))
    assert "£75.00 back on the voucher" in page.text
    assert appointment.reference in page.text


@pytest.mark.django_db(transaction=True)
def test_two_replays_at_once_give_back_once(clinic, patient, dana):
    voucher, _, appointment, _ = booked_with_voucher(clinic, patient, dana)
    # Cancelled without its signal (as if the receiver had not run yet): two replays race.
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)
    barrier = threading.Barrier(2, timeout=10)

    def replay(_):
        try:
            barrier.wait()
            return voucher_give_back(appointment=appointment, now=NOW)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(replay, range(2)))

    assert sorted(len(given) for given in outcomes) == [0, 1]
    assert Refund.objects.count() == 1
    assert voucher_figures(voucher).balance == HUNDRED
    assert Payment.objects.filter(method=PaymentMethod.VOUCHER).count() == 1
    assert GiftVoucher.objects.count() == 1


def test_the_demos_sqlite_keeps_every_refund_guard_after_the_migration(tmp_path):
    """Migration 0015 changes the refunds' check constraints, which SQLite does by copying
    the table (its triggers lost): migrated from scratch as bin/run does, the demo's
    database still refuses to change a refund, and refuses a voucher refund naming a
    payment that spent no voucher."""
    records = importlib.import_module("billing.migrations.0002_issued_documents_guards")
    returns = importlib.import_module("billing.migrations.0015_voucher_returns")
    database = tmp_path / "demo.sqlite3"
    environment = os.environ | {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=Path(__file__).resolve().parents[3],
        env=environment,
        check=True,
        capture_output=True,
    )
    db = sqlite3.connect(database)
    try:
        triggers = {
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        wanted = {name for name in records.SQLITE if name.startswith("billing_refund_")}
        assert wanted | set(returns.SQLITE) <= triggers
        # The new check constraint is in the copied table.
        schema = db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'billing_refund'"
        ).fetchone()[0]
        assert "refund_voucher_names_its_payment" in schema
    finally:
        db.close()
