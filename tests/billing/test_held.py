"""The report's figures of money held and of deposits against no-shows."""

import datetime as dt
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

from billing.models import Payment, PaymentMethod, Refund, RefundMethod
from billing.selectors.held import deposit_effect, deposits_held
from booking.models import AppointmentStatus
from tests import factories
from tests.factories import NOW, at

LONDON = ZoneInfo("Europe/London")
_intents = count(1)


def deposit(appointment, amount: str, *, when: dt.datetime = NOW) -> Payment:
    return Payment.objects.create(
        patient=appointment.patient,
        method=PaymentMethod.ONLINE,
        amount=Decimal(amount),
        currency="GBP",
        received_at=when,
        appointment=appointment,
        provider_reference=f"pi_test_{next(_intents)}",
    )


def test_deposits_are_held_until_invoiced_or_given_back(clinic, patient):
    first = factories.appointment(clinic, patient, at(9), status=AppointmentStatus.COMPLETED)
    second = factories.appointment(clinic, patient, at(11))
    third = factories.appointment(clinic, patient, at(14))
    deposit(first, "20.00")
    deposit(second, "20.00")
    given_back = deposit(third, "15.00")
    Refund.objects.create(
        patient=patient,
        method=RefundMethod.ONLINE,
        payment=given_back,
        amount=Decimal("15.00"),
        currency="GBP",
        refunded_at=NOW + dt.timedelta(hours=1),
    )
    assert deposits_held(at=NOW) == Decimal("55.00")
    factories.session_invoice(patient, (first, "75.00"), now=NOW + dt.timedelta(hours=2))
    assert deposits_held(at=NOW + dt.timedelta(hours=3)) == Decimal("20.00")
    # As it stood then: the later refund and invoice do not change an earlier figure.
    assert deposits_held(at=NOW) == Decimal("55.00")


def test_no_shows_with_and_without_deposits_and_before_and_since(clinic, patient, dana):
    week = dt.timedelta(days=7)
    # Before deposits: two sessions due, one missed.
    factories.appointment(clinic, patient, at(9) - 3 * week, status=AppointmentStatus.NO_SHOW)
    factories.appointment(clinic, dana, at(9) - 2 * week, status=AppointmentStatus.COMPLETED)
    # Since: three due with a deposit, none missed; one without, missed.
    for n in range(3):
        paid = factories.appointment(
            clinic, patient, at(9 + 2 * n), status=AppointmentStatus.COMPLETED
        )
        deposit(paid, "20.00", when=at(9) - week)
    factories.appointment(clinic, dana, at(16), status=AppointmentStatus.NO_SHOW)
    effect = deposit_effect(start=at(0), end=at(0) + dt.timedelta(days=1), now=at(23), zone=LONDON)
    assert (effect.with_deposit.no_shows, effect.with_deposit.due) == (0, 3)
    assert (effect.without_deposit.no_shows, effect.without_deposit.due) == (1, 1)
    assert effect.began == at(9)
    assert effect.before is not None
    assert effect.since is not None
    assert (effect.before.no_shows, effect.before.due, effect.before.rate) == (1, 2, 0.5)
    assert (effect.since.no_shows, effect.since.due) == (1, 4)


def test_no_deposit_ever_taken_compares_nothing(clinic, patient):
    factories.appointment(clinic, patient, at(9), status=AppointmentStatus.NO_SHOW)
    effect = deposit_effect(start=at(0), end=at(23), now=at(23), zone=LONDON)
    assert effect.began is None
    assert effect.before is None
    assert (effect.without_deposit.no_shows, effect.without_deposit.rate) == (1, 1.0)
