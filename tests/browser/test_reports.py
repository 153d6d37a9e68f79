"""The clinic manager's report and takings in Chromium: a week of sessions at Riverside, with
no-shows, cancellations and courses discharged, read after signing in with both factors;
the page passes axe at both sizes. Its screenshot is the README's picture of a report."""

import datetime as dt

import pytest
from playwright.sync_api import FloatRect, Locator

from booking.models import AppointmentStatus
from clinic.roles import MANAGER
from tests import factories
from tests.browser.visitor import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "manager-pass-for-tests"
# The week before the browser tests' Monday (GMT: the wall clock).
WEEK = [dt.date(2027, 1, 4) + dt.timedelta(days=n) for n in range(5)]
# Each practitioner's day, in their own room: (hour, minute, initial assessment or not).
ALICE_DAY = [(9, 0, True), (10, 30, False), (13, 0, True), (14, 30, False)]
BOB_DAY = [(9, 0, False), (10, 0, True), (14, 0, False)]
# Which sessions did not happen as booked: (day, practitioner, hour) -> status, hours ahead.
MISSED = {
    (1, "alice", 13): (AppointmentStatus.NO_SHOW, None),
    (2, "bob", 14): (AppointmentStatus.LATE_CANCELLED, 5),
    (3, "alice", 10): (AppointmentStatus.CANCELLED, 72),
    (4, "bob", 9): (AppointmentStatus.NO_SHOW, None),
}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def a_week_at_riverside(clinic: factories.Clinic) -> list:
    """Seven patients, one per place in the two practitioners' days, so nobody is booked
    twice at once; two of them came in December too (returning patients)."""
    patients = [
        factories.patient(first_name=name, email=f"{name.lower()}@example.com")
        for name in ["Ann", "Ben", "Cat", "Dan", "Eve", "Fay", "Gus"]
    ]
    for week, returning in enumerate(patients[:2], start=13):
        factories.past_session(clinic, returning, week)
    places = [(clinic.alice, "alice", 0, slot) for slot in ALICE_DAY] + [
        (clinic.bob, "bob", 1, slot) for slot in BOB_DAY
    ]
    sessions = []
    for n, day in enumerate(WEEK):
        for person, (practitioner, name, room, (hour, minute, initial)) in zip(
            patients, places, strict=True
        ):
            start = at(day, hour, minute)
            status, hours_ahead = MISSED.get((n, name, hour), (AppointmentStatus.COMPLETED, None))
            sessions.append(
                factories.appointment(
                    clinic,
                    person,
                    start,
                    practitioner=practitioner,
                    service=clinic.initial if initial else clinic.follow_up,
                    room=clinic.rooms[room],
                    status=status,
                    cancelled_at=start - dt.timedelta(hours=hours_ahead) if hours_ahead else None,
                )
            )
    return sessions


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def test_the_managers_report(visitor):
    clinic = factories.clinic()
    sessions = a_week_at_riverside(clinic)
    # Three courses discharged on the Friday: pain 7 to 4 and 8 to 3 reached the MCID
    # (2 points or 30 %), 6 to 5 did not.
    friday = at(WEEK[-1], 17)
    for session, scores in zip(sessions[:3], [(7, 4), (6, 5), (8, 3)], strict=True):
        factories.scored_course(session, *scores, discharged=friday)
    mia = factories.staff(username="mia", role=MANAGER, password=PASSWORD)

    sign_in(visitor, mia, password=PASSWORD)
    visitor.visit("/staff/reports/")
    visitor.page.fill("[name=first_day]", WEEK[0].isoformat())
    visitor.page.fill("[name=last_day]", WEEK[-1].isoformat())
    visitor.click("Show")

    text = visitor.text()
    assert "Alice Practitioner" in text
    assert "2 of 33 due" in text  # no-shows
    assert "Pain score (NPRS)" in text
    visitor.shot("manager-report-page")
    # The README's picture: the report itself, from its first heading to its last table.
    report = box(visitor.page.locator(".staff-narrow"))
    first = box(visitor.page.get_by_role("heading", name="Utilisation"))
    last = box(visitor.page.locator("main table").last)
    margin = 12
    visitor.shot(
        "manager-report",
        clip={
            "x": 0,
            "y": first["y"] - margin,
            "width": report["x"] + report["width"] + margin,
            "height": last["y"] + last["height"] - first["y"] + 2 * margin,
        },
    )


def test_the_managers_takings(visitor):
    """The week's sessions invoiced and mostly paid at the desk, by card and in cash, one
    left owing: the takings page by day, method and practitioner, what is owed by age."""
    clinic = factories.clinic()
    sessions = a_week_at_riverside(clinic)
    completed = [s for s in sessions if s.status == AppointmentStatus.COMPLETED]
    for n, session in enumerate(completed):
        done = session.start + dt.timedelta(hours=1)
        invoice = factories.session_invoice(session.patient, (session, "60.00"), now=done)
        if n % 7 == 6:
            continue  # still owed
        factories.payment(
            session.patient,
            "60.00",
            (invoice, "60.00"),
            method="cash" if n % 3 == 0 else "card",
            now=done,
        )
    mia = factories.staff(username="mia", role=MANAGER, password=PASSWORD)

    sign_in(visitor, mia, password=PASSWORD)
    visitor.visit(f"/staff/billing/takings/?period=week&day={WEEK[2].isoformat()}")

    text = visitor.text()
    assert "Alice Practitioner" in text
    assert "Bob Practitioner" in text
    assert "£" in text
    assert "Cash" in text
    visitor.shot("billing-takings")


def test_the_report_of_money_held(visitor):
    """The week's no-shows beside sessions paid with a deposit, a waived fee, a deposit
    held for next week: the report of deposits, fees, packages and vouchers (axe at both
    sizes, as every visit)."""
    from billing.services.fees import fee_propose, fee_waive
    from tests.billing.test_held import deposit

    clinic = factories.clinic()
    sessions = a_week_at_riverside(clinic)
    for n, session in enumerate(sessions):
        if session.status == AppointmentStatus.NO_SHOW:
            proposal = fee_propose(appointment=session, now=session.start)
            if proposal is not None:
                fee_waive(proposal=proposal, by=factories.clerk(), reason="Ill", now=session.end)
        elif n % 2:
            deposit(session, "20.00", when=session.start - dt.timedelta(days=3))
    mia = factories.staff(username="mia", role=MANAGER, password=PASSWORD)

    sign_in(visitor, mia, password=PASSWORD)
    visitor.visit(f"/staff/billing/held/?period=week&day={WEEK[2].isoformat()}")

    text = visitor.text()
    assert "Deposits and prepayments held" in text
    assert "In the period, booked with a deposit" in text
    assert "Waived" in text
    visitor.shot("billing-money-held")
