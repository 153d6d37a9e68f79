"""The desk's day-end cash-up: expected from the day's desk payments at the location,
counted as entered, closed once and kept as it was."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from billing.models import CashUp, CashUpLine
from billing.selectors.cash_ups import cash_up_expected
from billing.services.cash_ups import cash_up_close
from billing.services.errors import BillingError
from tests import factories
from tests.factories import NOW

D = Decimal
DAY = NOW.date()
COUNTED = {"cash": D("30.00"), "card": D("40.00")}


def paid_session(clinic, patient, *, amount, method, location=None, hour=9):
    room = clinic.rooms[0]
    if location is not None:
        room = factories.room(location=location, name=f"Room {hour}")
    start = NOW.replace(hour=hour)
    session = factories.appointment(clinic, patient, start, room=room, status="completed")
    if location is not None:
        session.location = location
        session.save()
    invoice = factories.session_invoice(patient, (session, amount))
    return factories.payment(patient, amount, (invoice, amount), method=method)


def close(location, day=DAY, counted=COUNTED, now=NOW + dt.timedelta(hours=9)):
    return cash_up_close(
        location=location,
        day=day,
        counted=counted,
        note="",
        closed_by=factories.clerk(),
        now=now,
    )


def test_expected_is_the_days_desk_payments_at_the_location(clinic, patient, erin):
    paid_session(clinic, patient, amount="30.00", method="cash")
    paid_session(clinic, patient, amount="45.00", method="card", hour=11)
    paid_session(clinic, patient, amount="60.00", method="bank_transfer", hour=13)
    elsewhere = factories.location(name="Hilltop", slug="hilltop")
    paid_session(clinic, erin, amount="99.00", method="cash", location=elsewhere, hour=15)
    # Credit paid in before an invoice: where the patient's latest session was.
    factories.payment(patient, "5.00", method="cash", now=NOW + dt.timedelta(hours=8))
    # A patient who never had a session: no location.
    dana = factories.patient(first_name="Dana", email="dana@example.com")
    factories.payment(dana, "7.00", method="cash")
    expected = cash_up_expected(location=clinic.location, day=DAY)
    assert expected.by_method == {"cash": D("35.00"), "card": D("45.00")}
    assert expected.unplaced == D("7.00")
    assert cash_up_expected(location=elsewhere, day=DAY).by_method["cash"] == D("99.00")
    assert cash_up_expected(location=clinic.location, day=DAY + dt.timedelta(days=1)).by_method == {
        "cash": 0,
        "card": 0,
    }


def test_closing_keeps_expected_counted_and_the_difference(clinic, patient):
    paid_session(clinic, patient, amount="30.00", method="cash")
    paid_session(clinic, patient, amount="45.00", method="card", hour=11)
    cash_up = close(clinic.location)
    lines = {line.method: line for line in cash_up.lines.all()}
    assert (lines["cash"].expected, lines["cash"].counted, lines["cash"].difference) == (
        D("30.00"),
        D("30.00"),
        D("0.00"),
    )
    assert lines["card"].difference == D("-5.00")


def test_a_day_is_closed_once(clinic, patient):
    close(clinic.location)
    with pytest.raises(BillingError, match="already cashed up"):
        close(clinic.location, counted={"cash": D(1), "card": D(1)})
    assert CashUp.objects.count() == 1


def test_the_database_refuses_a_second_cash_up_of_the_day(clinic):
    first = close(clinic.location)
    with pytest.raises(IntegrityError), transaction.atomic():
        CashUp.objects.create(
            location=clinic.location, day=DAY, closed_at=NOW, closed_by=first.closed_by
        )


def test_a_closed_cash_up_is_never_changed_or_deleted(clinic):
    cash_up = close(clinic.location)
    with pytest.raises(IntegrityError), transaction.atomic():
        CashUp.objects.filter(pk=cash_up.pk).update(note="fixed it")
    with pytest.raises(IntegrityError), transaction.atomic():
        CashUpLine.objects.filter(cash_up=cash_up).update(counted=D("70.00"), difference=D(70))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_cashupline")
    with pytest.raises(IntegrityError), transaction.atomic():
        CashUp.objects.filter(pk=cash_up.pk).delete()
    assert CashUpLine.objects.filter(cash_up=cash_up).count() == 2


@pytest.mark.parametrize(
    ("counted", "message"),
    [
        ({"cash": D("-1.00"), "card": D(0)}, "negative"),
        ({"cash": D("1.005"), "card": D(0)}, "pounds and pence"),
        ({"cash": D(1)}, "every method"),
        ({"cash": D("NaN"), "card": D(0)}, "negative"),
    ],
)
def test_a_bad_count_is_refused_and_nothing_saved(clinic, counted, message):
    with pytest.raises(BillingError, match=message):
        close(clinic.location, counted=counted)
    assert not CashUp.objects.exists()


def test_a_day_not_yet_begun_cannot_be_closed(clinic):
    with pytest.raises(BillingError, match="not come yet"):
        close(clinic.location, day=DAY + dt.timedelta(days=1))
    assert not CashUp.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_desks_closing_at_once_make_one_cash_up():
    clinic = factories.clinic()
    factories.clerk()
    barrier = threading.Barrier(2)
    outcomes = []

    def desk():
        try:
            barrier.wait()
            close(clinic.location)
            outcomes.append("made")
        except BillingError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["closed", "made"]
    assert CashUp.objects.count() == 1
    assert CashUpLine.objects.count() == 2
