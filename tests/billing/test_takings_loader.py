"""load_takings: the takings of a period read in a fixed number of queries."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from billing.selectors.takings import load_takings
from billing.services.credit_notes import credit_note_issue, refund_cash
from billing.takings import UNALLOCATED
from tests import factories
from tests.factories import NOW

D = Decimal
LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = NOW.date()


def _session(clinic, patient, practitioner, day=TODAY, hour=9):
    start = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
    room = clinic.rooms[0 if practitioner == clinic.alice else 1]
    return factories.appointment(
        clinic, patient, start, practitioner=practitioner, room=room, status="completed"
    )


def load(first=TODAY, last=TODAY, as_of=TODAY, **options):
    return load_takings(first_day=first, last_day=last, as_of=as_of, zone=LONDON, **options)


def test_a_payment_across_two_practitioners_is_shared_by_line_gross(clinic, patient):
    invoice = factories.session_invoice(
        patient,
        (_session(clinic, patient, clinic.alice, hour=9), "60.00"),
        (_session(clinic, patient, clinic.bob, hour=11), "40.00"),
    )
    factories.payment(patient, "80.00", (invoice, "50.00"), method="cash")
    report = load()
    assert report.total == D("80.00")
    assert report.by_method == {"cash": D("80.00")}
    assert dict(report.by_practitioner) == {
        "Alice Practitioner": D("30.00"),
        "Bob Practitioner": D("20.00"),
        UNALLOCATED: D("30.00"),
    }
    assert report.credit_held == D("30.00")
    assert report.outstanding_total == D("50.00")
    assert report.ageing[0].invoices == 1


def test_a_practitioner_gets_their_own_share_only(clinic, patient):
    invoice = factories.session_invoice(
        patient,
        (_session(clinic, patient, clinic.alice, hour=9), "60.00"),
        (_session(clinic, patient, clinic.bob, hour=11), "40.00"),
    )
    factories.payment(patient, "100.00", (invoice, "100.00"))
    report = load(practitioner_id=clinic.bob.pk)
    assert report.by_practitioner == [("Bob Practitioner", D("40.00"))]
    assert report.total == D("40.00")
    assert report.credit_held == 0


def test_ageing_is_as_of_its_day_by_what_was_recorded_until_then(clinic, patient):
    old = factories.invoice(patient, "60.00", now=NOW - dt.timedelta(days=45))
    factories.invoice(patient, "30.00", now=NOW - dt.timedelta(days=100))
    factories.payment(patient, "60.00", (old, "60.00"), now=NOW + dt.timedelta(days=1))
    before = load(as_of=TODAY)
    assert [(b.invoices, b.amount) for b in before.ageing] == [
        (0, 0),
        (1, D("60.00")),
        (0, 0),
        (1, D("30.00")),
    ]
    after = load(as_of=TODAY + dt.timedelta(days=1))
    assert after.outstanding_total == D("30.00")
    # Not owed yet on a day before it was issued.
    assert load(as_of=TODAY - dt.timedelta(days=60)).outstanding_total == D("30.00")


def test_refunds_in_the_period_and_credit_held_after_them(clinic, patient):
    paid = factories.invoice(patient, "60.00")
    factories.payment(patient, "60.00", (paid, "60.00"), method="cash")
    note = credit_note_issue(
        invoice=paid, reason="Duplicate", issued_by=factories.clerk(), now=NOW, amount=D("20.00")
    )
    refund_cash(
        patient=patient, amount=D("20.00"), credit_note=note, refunded_by=factories.clerk(), now=NOW
    )
    factories.payment(patient, "15.00", method="cash")
    refund_cash(patient=patient, amount=D("5.00"), refunded_by=factories.clerk(), now=NOW)
    report = load()
    assert report.refunds_total == D("25.00")
    assert report.refunds[0].amounts == {"cash": D("25.00")}
    assert report.credit_held == D("10.00")
    assert report.outstanding_total == 0


def _busy(clinic, patient, n):
    for i in range(n):
        day = TODAY - dt.timedelta(days=i % 20)
        when = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        who = clinic.alice if i % 2 else clinic.bob
        invoice = factories.session_invoice(
            patient,
            (_session(clinic, patient, who, day=day, hour=8 + 2 * (i // 20)), "50.00"),
            now=when,
        )
        factories.payment(patient, "30.00", (invoice, "20.00"), method="cash", now=when)
    refund_cash(patient=patient, amount=D("1.00"), refunded_by=factories.clerk(), now=NOW)


@pytest.mark.parametrize("n", [1, 24])
def test_the_report_takes_eight_queries_however_many_payments(
    clinic, patient, n, django_assert_num_queries
):
    _busy(clinic, patient, n)
    # 1 payments by day and method, 2 shares by day, method and practitioner,
    # 3 practitioners' names, 4 invoices owed, 5 refunds by day and method,
    # 6-8 received, allocated and refunded credit up to the day.
    with django_assert_num_queries(8):
        report = load(first=TODAY - dt.timedelta(days=30))
    assert report.total == D("30.00") * n
    assert report.outstanding_total == D("30.00") * n


@pytest.mark.parametrize("n", [1, 24])
def test_a_practitioners_report_takes_two_queries(clinic, patient, n, django_assert_num_queries):
    _busy(clinic, patient, n)
    # 1 shares by day, method and practitioner, 2 practitioners' names
    with django_assert_num_queries(2):
        report = load(first=TODAY - dt.timedelta(days=30), practitioner_id=clinic.bob.pk)
    assert report.total == D("20.00") * ((n + 1) // 2)
