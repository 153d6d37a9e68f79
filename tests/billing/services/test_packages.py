"""Packages of sessions: sold on their invoice, usable once it is paid, one credit drawn by
each completed session of a covered service, refused for other services, after expiry or
once used up; the session's invoice line at 0.00; refunds of unused credits; expiry;
liabilities (decision 0105)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing.models import (
    InvoiceStatus,
    Package,
    PackageStatus,
    PackageType,
    PackageUse,
    RefundRule,
    ValidityUnit,
    credit_value,
)
from billing.periodic import expire_packages
from billing.selectors import MoneyState, invoice_balance
from billing.selectors.packages import (
    package_balance,
    package_liabilities,
    package_liabilities_by_type,
    patient_packages,
)
from billing.services.credit_notes import refund_cash
from billing.services.errors import BillingError
from billing.services.invoices import invoice_draft_for_appointment, invoice_issue
from billing.services.packages import (
    expiry_of,
    package_credit_use,
    package_refund,
    package_sell,
    packages_expire,
)
from booking.models import AppointmentStatus
from booking.services.status import appointment_transition
from tests import factories
from tests.factories import NOW

PRICE = Decimal("250.00")


def package_type(clinic, **fields) -> PackageType:
    """6 follow-up sessions for £250, valid 6 months, unused credits refunded pro rata."""
    values = {"name": "6 follow-up sessions", "sessions": 6, "price": PRICE, "validity": 6}
    kind = PackageType.objects.create(**(values | fields))
    kind.services.set([clinic.follow_up])
    return kind


def sell(patient, kind, *, paid=True, now=NOW) -> Package:
    package = package_sell(patient=patient, package_type=kind, sold_by=factories.clerk(), now=now)
    if paid:
        total = str(package.invoice.total)
        factories.payment(patient, total, (package.invoice, total), now=now)
    return package


def session(clinic, patient, days_ago=1, *, service=None, hour=10):
    """A follow-up that took place `days_ago` days before NOW, confirmed (to complete)."""
    start = dt.datetime.combine(
        NOW.date() - dt.timedelta(days=days_ago), dt.time(hour), tzinfo=dt.UTC
    )
    return factories.appointment(
        clinic,
        patient,
        start,
        service=service or clinic.follow_up,
        status=AppointmentStatus.CONFIRMED,
    )


def complete(appointment, now=NOW):
    return appointment_transition(appointment=appointment, action="complete", now=now, by=None)


@pytest.fixture
def kind(clinic):
    return package_type(clinic)


# --- Selling -----------------------------------------------------------------------------


def test_a_sale_issues_its_invoice_and_copies_the_terms(clinic, patient, kind):
    package = sell(patient, kind, paid=False)

    invoice = package.invoice
    assert invoice.status == InvoiceStatus.ISSUED
    assert [line.description for line in invoice.lines.all()] == ["Package: 6 follow-up sessions"]
    assert invoice.total == PRICE
    assert package.sessions == 6
    assert package.price == PRICE
    assert package.price_per_credit == Decimal("41.66")
    assert package.expires_on == dt.date(2027, 7, 3)  # bought 4 Jan: up to 3 Jul inclusive
    assert package.status == PackageStatus.ACTIVE
    kind.sessions = 10
    kind.save()
    package.refresh_from_db()
    assert package.sessions == 6


def test_a_type_no_longer_on_sale_or_not_public_is_refused(clinic, patient, kind):
    kind.is_active = False
    kind.save()
    with pytest.raises(BillingError, match="no longer sold"):
        sell(patient, kind)
    kind.is_active = True
    kind.save()
    with pytest.raises(BillingError, match="not sold online"):
        package_sell(patient=patient, package_type=kind, sold_by=None, now=NOW)


def test_credits_are_usable_once_the_sale_invoice_is_paid(clinic, patient, kind):
    package = sell(patient, kind, paid=False)
    first = complete(session(clinic, patient, 2))
    assert not PackageUse.objects.exists()
    assert package_balance(package, now=NOW).state == "Waiting for payment"

    factories.payment(patient, "100.00", (package.invoice, "100.00"))
    assert not package_balance(package, now=NOW).usable  # part paid is not paid
    factories.payment(patient, "150.00", (package.invoice, "150.00"))
    assert package_balance(package, now=NOW).usable

    second = complete(session(clinic, patient, 1))
    assert not hasattr(first, "package_use")
    assert second.package_use.package == package


# --- Drawing -----------------------------------------------------------------------------


def test_a_completed_session_draws_one_credit_and_its_invoice_line_is_free(clinic, patient, kind):
    package = sell(patient, kind)
    done = [complete(session(clinic, patient, n)) for n in (3, 2, 1)]

    assert [use.number for use in package.uses.all()] == [1, 2, 3]
    balance = package_balance(package, now=NOW)
    assert (balance.used, balance.left) == (3, 3)

    by = factories.clerk()
    draft = invoice_draft_for_appointment(appointment=done[2], created_by=by)
    line = draft.lines.get()
    assert line.unit_price == Decimal("0.00")
    assert line.description.endswith("paid by package (credit 3 of 6)")
    invoice = invoice_issue(invoice=draft, issued_by=by, now=NOW)
    assert invoice.total == Decimal("0.00")
    assert invoice_balance(invoice).state == MoneyState.PAID


def test_a_session_of_a_service_the_package_does_not_cover_is_invoiced_as_usual(
    clinic, patient, kind
):
    package = sell(patient, kind)
    initial = complete(session(clinic, patient, service=clinic.initial))
    assert not PackageUse.objects.exists()
    line = invoice_draft_for_appointment(appointment=initial, created_by=factories.clerk())
    assert line.lines.get().unit_price == Decimal("75.00")

    other = session(clinic, patient, 2, service=clinic.initial)
    other.status = AppointmentStatus.COMPLETED
    other.save()
    with pytest.raises(BillingError, match="does not cover “Initial assessment"):
        package_credit_use(package=package, appointment=other, used_by=factories.clerk(), now=NOW)


def test_a_session_after_the_package_expired_draws_nothing(clinic, patient):
    kind = package_type(clinic, validity=10, validity_unit=ValidityUnit.DAYS)
    old = NOW - dt.timedelta(days=30)
    package = sell(patient, kind, now=old)
    assert package.expires_on == dt.date(2026, 12, 14)

    appointment = complete(session(clinic, patient))
    assert not PackageUse.objects.exists()
    with pytest.raises(BillingError, match="expired on 14 Dec 2026"):
        package_credit_use(
            package=package, appointment=appointment, used_by=factories.clerk(), now=NOW
        )


def test_the_package_expiring_first_pays_first(clinic, patient, kind):
    later = sell(patient, kind)
    sooner = sell(patient, package_type(clinic, name="3 follow-ups", sessions=3, validity=2))
    appointment = complete(session(clinic, patient))
    assert appointment.package_use.package == sooner
    assert later.uses.count() == 0


def test_a_used_up_package_pays_no_more(clinic, patient):
    package = sell(patient, package_type(clinic, sessions=2, price=Decimal("90.00")))
    for days_ago in (4, 3, 2):
        complete(session(clinic, patient, days_ago))
    assert package.uses.count() == 2
    last = session(clinic, patient, 1)
    last.status = AppointmentStatus.COMPLETED
    last.save()
    with pytest.raises(BillingError, match="All 2 credits of this package are used"):
        package_credit_use(package=package, appointment=last, used_by=factories.clerk(), now=NOW)
    assert package_balance(package, now=NOW).state == "Used up"


def test_the_desk_pays_a_completed_session_by_package_once(clinic, patient):
    """A session completed before the package was bought (a course paid by a package)."""
    appointment = complete(session(clinic, patient))
    package = sell(patient, package_type(clinic))
    by = factories.clerk()
    use = package_credit_use(package=package, appointment=appointment, used_by=by, now=NOW)
    assert (use.number, use.used_by) == (1, by)
    with pytest.raises(BillingError, match="already paid by a package"):
        package_credit_use(package=package, appointment=appointment, used_by=by, now=NOW)


def test_the_desk_cannot_pay_an_invoiced_or_unfinished_session_by_package(clinic, patient, kind):
    package = sell(patient, kind)
    by = factories.clerk()
    upcoming = session(clinic, patient, 2)
    with pytest.raises(BillingError, match="Only a completed session"):
        package_credit_use(package=package, appointment=upcoming, used_by=by, now=NOW)
    invoiced = session(clinic, patient, 1, service=clinic.initial)
    invoiced.status = AppointmentStatus.COMPLETED
    invoiced.save()
    invoice_draft_for_appointment(appointment=invoiced, created_by=by)
    with pytest.raises(BillingError, match="already invoiced"):
        package_credit_use(package=package, appointment=invoiced, used_by=by, now=NOW)


def test_another_patients_package_is_refused(clinic, patient, dana, kind):
    package = sell(dana, kind)
    appointment = complete(session(clinic, patient))
    with pytest.raises(BillingError, match="not this patient's"):
        package_credit_use(
            package=package, appointment=appointment, used_by=factories.clerk(), now=NOW
        )


def test_the_database_refuses_a_credit_beyond_the_sessions(clinic, patient):
    package = sell(patient, package_type(clinic, sessions=1, price=Decimal("45.00")))
    complete(session(clinic, patient, 2))
    extra = session(clinic, patient, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PackageUse.objects.create(package=package, appointment=extra, number=2, used_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        PackageUse.objects.filter(package=package).delete()


# --- Credit value, refunds, expiry, liabilities ------------------------------------------


def test_credit_value_rounds_down_and_the_last_credit_carries_the_pennies():
    assert credit_value(Decimal("250.00"), 6) == Decimal("41.66")
    package = Package(sessions=6, price=Decimal("250.00"), price_per_credit=Decimal("41.66"))
    assert package.value_of_unused(0) == Decimal("250.00")
    assert package.value_of_unused(5) == Decimal("41.70")
    assert package.value_of_unused(6) == Decimal("0.00")


@pytest.mark.parametrize(
    ("bought", "validity", "unit", "last_day"),
    [
        (dt.date(2027, 1, 4), 6, ValidityUnit.MONTHS, dt.date(2027, 7, 3)),
        (dt.date(2026, 8, 31), 6, ValidityUnit.MONTHS, dt.date(2027, 2, 27)),
        (dt.date(2027, 3, 1), 30, ValidityUnit.DAYS, dt.date(2027, 3, 30)),
        (dt.date(2027, 11, 15), 3, ValidityUnit.MONTHS, dt.date(2028, 2, 14)),
    ],
)
def test_expiry_is_the_last_day_in_the_clinics_calendar(bought, validity, unit, last_day):
    kind = PackageType(validity=validity, validity_unit=unit)
    assert expiry_of(kind, bought_on=bought) == last_day


def test_unused_credits_are_refunded_pro_rata_through_a_credit_note(clinic, patient, kind):
    package = sell(patient, kind)
    for days_ago in (2, 1):
        complete(session(clinic, patient, days_ago))
    manager = factories.clerk()

    note = package_refund(package=package, refunded_by=manager, now=NOW, reason="Moving away")

    assert note.invoice == package.invoice
    assert note.total == Decimal("166.68")  # 250.00 - 2 x 41.66
    package.refresh_from_db()
    assert package.status == PackageStatus.REFUNDED
    assert not package_balance(package, now=NOW).usable
    with pytest.raises(BillingError, match="no more than was paid"):
        refund_cash(
            patient=patient,
            amount=Decimal("166.69"),
            refunded_by=manager,
            now=NOW,
            credit_note=note,
        )
    refund_cash(
        patient=patient, amount=Decimal("166.68"), refunded_by=manager, now=NOW, credit_note=note
    )
    with pytest.raises(BillingError, match="refunded already"):
        package_refund(package=package, refunded_by=manager, now=NOW, reason="Again")
    appointment = complete(session(clinic, patient, 3))
    assert not hasattr(appointment, "package_use")


def test_refunds_follow_the_types_rule(clinic, patient):
    manager = factories.clerk()
    none = sell(patient, package_type(clinic, name="No refunds", refund_rule=RefundRule.NONE))
    with pytest.raises(BillingError, match="gives no refund"):
        package_refund(package=none, refunded_by=manager, now=NOW, reason="Asked")

    decides = sell(patient, package_type(clinic, name="Manager", refund_rule=RefundRule.MANAGER))
    with pytest.raises(BillingError, match=r"worth £250\.00"):
        package_refund(
            package=decides, refunded_by=manager, now=NOW, reason="Asked", amount=Decimal("251")
        )
    note = package_refund(
        package=decides, refunded_by=manager, now=NOW, reason="Asked", amount=Decimal("100.00")
    )
    assert note.total == Decimal("100.00")

    pro_rata = sell(patient, package_type(clinic, name="Pro rata"))
    with pytest.raises(BillingError, match=r"pro rata: £250\.00"):
        package_refund(
            package=pro_rata, refunded_by=manager, now=NOW, reason="Asked", amount=Decimal("10")
        )

    unpaid = sell(patient, package_type(clinic, name="Unpaid"), paid=False)
    with pytest.raises(BillingError, match="is not paid"):
        package_refund(package=unpaid, refunded_by=manager, now=NOW, reason="Asked")


def test_the_expiry_task_marks_expired_packages_and_queues_its_next_run(
    clinic, patient, kind, settings
):
    old = sell(patient, kind, now=NOW - dt.timedelta(days=200))
    current = sell(patient, kind)

    assert packages_expire(now=NOW) == 1
    assert packages_expire(now=NOW) == 0
    old.refresh_from_db()
    current.refresh_from_db()
    assert (old.status, old.closed_at) == (PackageStatus.EXPIRED, NOW)
    assert current.status == PackageStatus.ACTIVE
    assert [b.state for b in patient_packages(patient.pk, now=NOW)] == ["Active", "Expired"]
    with pytest.raises(BillingError, match="expired"):
        package_refund(package=old, refunded_by=factories.clerk(), now=NOW, reason="Late")

    result = expire_packages.call()
    assert result == "0 expired"


def test_liabilities_are_credits_paid_for_and_not_used(clinic, patient, dana, kind):
    package = sell(patient, kind)
    for days_ago in (2, 1):
        complete(session(clinic, patient, days_ago))
    sell(dana, kind, paid=False)  # not paid: nothing owed yet
    small = package_type(clinic, name="3 follow-ups", sessions=3, price=Decimal("100.00"))
    sell(dana, small)
    sell(dana, small, now=NOW - dt.timedelta(days=365))  # expired by NOW

    assert package_liabilities(at=NOW) == Decimal("166.68") + Decimal("100.00")
    rows = package_liabilities_by_type(at=NOW)
    assert [(r.type.name, r.packages, r.credits, r.value) for r in rows] == [
        ("3 follow-ups", 1, 3, Decimal("100.00")),
        ("6 follow-up sessions", 1, 4, Decimal("166.68")),
    ]
    # Before the sale, nothing; before the draws, the whole price.
    assert package_liabilities(at=NOW - dt.timedelta(days=1)) == Decimal("0.00")
    package_refund(package=package, refunded_by=factories.clerk(), now=NOW, reason="Moving")
    after = NOW + dt.timedelta(minutes=1)
    assert package_liabilities(at=after) == Decimal("100.00")


def test_a_course_booked_in_one_go_is_paid_by_a_package(clinic, patient):
    """A course of treatment paid in advance: each session draws a credit as it is
    completed, and its invoice asks for nothing."""
    from booking.models import AppointmentSource
    from booking.services.courses import SessionChoice, course_book
    from tests.factories import at

    kind = package_type(clinic, name="3 sessions", sessions=3, price=Decimal("200.00"))
    kind.services.set([clinic.initial])
    package = sell(patient, kind)
    starts = [at(10) + dt.timedelta(weeks=n) for n in range(3)]
    course = course_book(
        patient=patient,
        service=clinic.initial,
        location=clinic.location,
        practitioner=clinic.alice,
        every_days=7,
        sessions=[SessionChoice(start=start, practitioner=clinic.alice) for start in starts],
        source=AppointmentSource.FRONT_DESK,
        now=NOW,
    )
    by = factories.clerk()
    for appointment in course.appointments.order_by("start"):
        done = complete(appointment, now=appointment.start + dt.timedelta(hours=1))
        draft = invoice_draft_for_appointment(appointment=done, created_by=by)
        assert draft.amounts().gross == Decimal("0.00")

    assert package_balance(package, now=NOW).state == "Used up"
