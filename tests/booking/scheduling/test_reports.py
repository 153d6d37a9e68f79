"""The manager's reports: figures equal hand-computed values on a small fixed clinic
(including a clock-change day), in nine queries whatever the number of appointments."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from booking.models import (
    Appointment,
    AppointmentStatus,
    ExtraHours,
    TimeOff,
    WaitlistStatus,
)
from booking.scheduling.reports import manager_report
from clinic.roles import MANAGER
from tests import factories
from tests.factories import MONDAY, NOW, at


@pytest.fixture
def week(clinic, patient, dana, erin):
    """Monday at Riverside. Alice and Bob work 09:00-12:00 and 13:00-17:00 (420 minutes);
    Bob is away 09:00-10:00 (360 left)."""
    TimeOff.objects.create(practitioner=clinic.bob, starts_at=at(9), ends_at=at(10))
    # Charlie came last week: a returning patient. Dana and Erin are new.
    factories.appointment(clinic, patient, NOW + dt.timedelta(hours=1), status="completed")
    made = {
        # completed: 60 booked minutes for Alice and room 1, 75.00 at list price
        "a1": factories.appointment(clinic, patient, at(9), status=AppointmentStatus.COMPLETED),
        # a no-show frees its time: not booked
        "a2": factories.appointment(
            clinic, dana, at(10, 15), service=clinic.follow_up, status=AppointmentStatus.NO_SHOW
        ),
        # confirmed: 60 booked minutes for Bob and room 2
        "a3": factories.appointment(
            clinic, erin, at(13), practitioner=clinic.bob, room=clinic.rooms[1]
        ),
        # late cancellation, 3 hours before
        "a4": factories.appointment(
            clinic,
            erin,
            at(15),
            practitioner=clinic.bob,
            room=clinic.rooms[1],
            service=clinic.follow_up,
            status=AppointmentStatus.LATE_CANCELLED,
            cancelled_at=at(12),
        ),
        # cancelled 3 days before
        "a5": factories.appointment(
            clinic,
            dana,
            at(14),
            service=clinic.follow_up,
            status=AppointmentStatus.CANCELLED,
            cancelled_at=at(14) - dt.timedelta(days=3),
        ),
    }
    with time_machine.travel(at(8), tick=False):
        factories.waitlist_entry(
            patient=erin,
            service=clinic.initial,
            status=WaitlistStatus.BOOKED,
            appointment=made["a3"],
        )
        factories.waitlist_entry(patient=dana, service=clinic.initial)
    with time_machine.travel(NOW, tick=False):
        factories.waitlist_entry(patient=dana, service=clinic.follow_up)  # before the period
    return made


@pytest.mark.usefixtures("week")
def test_the_figures_equal_the_hand_computed_ones(clinic):
    report = manager_report(location=clinic.location, first_day=MONDAY, last_day=MONDAY)

    use = {row.name: (row.booked_minutes, row.available_minutes) for row in report.practitioners}
    assert use == {"Alice Practitioner": (60, 420), "Bob Practitioner": (60, 360)}
    assert [(r.name, r.booked_minutes, r.available_minutes) for r in report.rooms] == [
        ("Room 1", 60, 420),
        ("Room 2", 60, 420),
    ]
    assert report.practitioners[1].utilisation == pytest.approx(1 / 6)
    assert report.appointments == 5
    assert (report.no_shows, report.due, report.no_show_rate) == (1, 2, 0.5)
    assert (report.late_cancellations, report.late_cancellation_rate) == (1, 0.2)
    assert report.lead_times == [
        ("under 24 hours", 1),
        ("24 to 48 hours", 0),
        ("2 to 7 days", 1),
        ("7 days or more", 0),
    ]
    assert report.average_lead_hours == pytest.approx(37.5)
    assert (report.new_patients, report.returning_patients) == (2, 1)
    assert (report.waitlist_booked, report.waitlist_entries) == (1, 2)
    assert report.revenue == {"Alice Practitioner": "75.00"}
    assert Decimal(report.revenue_total) == Decimal("75.00")


def test_a_clock_change_day_counts_real_minutes(clinic, patient):
    spring = dt.date(2027, 3, 28)  # London: 01:00 GMT becomes 02:00 BST
    ExtraHours.objects.create(
        practitioner=clinic.alice,
        location=clinic.location,
        date=spring,
        start_time=dt.time(0),
        end_time=dt.time(4),
    )
    midnight = dt.datetime(2027, 3, 28, 0, 0, tzinfo=dt.UTC)  # 00:00 GMT
    session = factories.appointment(clinic, patient, midnight)  # 60 real minutes

    report = manager_report(location=clinic.location, first_day=spring, last_day=spring)

    assert session.end.astimezone(clinic.location.zone).time() == dt.time(2)  # 02:00 BST
    alice, bob = report.practitioners
    assert (alice.booked_minutes, alice.available_minutes) == (60, 180)  # 00:00-04:00 is 3 h
    assert (bob.booked_minutes, bob.available_minutes) == (0, 0)
    assert bob.utilisation is None


@pytest.mark.parametrize("count", [1, 10_000])
def test_the_report_costs_nine_queries_however_many_appointments(
    clinic, patient, count, django_assert_num_queries
):
    first = MONDAY
    rows = [
        factories.appointment(
            clinic,
            patient,
            at(9, day=first + dt.timedelta(days=n % 365)) + dt.timedelta(minutes=15 * (n % 20)),
            status=AppointmentStatus.CANCELLED,  # released rows may overlap
            cancelled_at=NOW,
            reference=f"T{n:05d}",  # random ones may repeat among 10,000
            save=False,
        )
        for n in range(count)
    ]
    Appointment.objects.bulk_create(rows)

    # 1 practitioners with their users, 2 rooms, 3 working hours (a union), 4 time off and
    # closures (a union), 5 appointments grouped by practitioner (booked minutes, status
    # counts, lead times, revenue), 6 booked minutes by room, 7 new and returning patients,
    # 8 waitlist entries and how many were booked, 9 outcome scores of the episodes
    # discharged in the period with their instruments (the share that reached the MCID).
    with django_assert_num_queries(9):
        report = manager_report(
            location=clinic.location, first_day=first, last_day=first + dt.timedelta(days=365)
        )

    assert report.appointments == count


# --- Outcomes: discharged episodes that reached the MCID --------------------------------------

OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
IN_OCTOBER = dt.datetime(2026, 10, 5, 12, 0, tzinfo=dt.UTC)


def course(clinic, first_name: str, week: int, *scores: int, discharged: dt.datetime | None):
    """An episode with a session at Riverside in the given week, NPRS scores before and
    after it, discharged at `discharged` if given."""
    person = factories.patient(first_name=first_name)
    session = factories.past_session(clinic, person, week)
    return factories.scored_course(session, *scores, discharged=discharged)


@pytest.fixture
def discharged_courses(clinic):
    """NPRS (MCID 2 points or 30%): 7 to 4 reached it, 7 to 6 did not, 8 to 3 did. Not
    counted: one discharged in November, one still active, one with a baseline only."""
    course(clinic, "Ann", 0, 7, 5, 4, discharged=IN_OCTOBER)  # the last score counts
    course(clinic, "Ben", 1, 7, 6, discharged=IN_OCTOBER)
    course(clinic, "Cat", 2, 8, 3, discharged=IN_OCTOBER + dt.timedelta(days=26))
    course(clinic, "Dan", 3, 9, 2, discharged=dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC))
    course(clinic, "Eve", 4, 8, 2, discharged=None)
    course(clinic, "Fay", 5, 8, discharged=IN_OCTOBER)


def test_the_share_of_discharged_episodes_that_reached_the_mcid(clinic, discharged_courses):
    report = manager_report(location=clinic.location, first_day=OCTOBER[0], last_day=OCTOBER[1])

    [nprs] = report.outcomes
    assert (nprs.instrument, nprs.episodes, nprs.reached) == ("Pain score (NPRS)", 3, 2)
    assert nprs.share == pytest.approx(2 / 3)


def test_episodes_without_a_session_at_the_location_are_not_counted(clinic, discharged_courses):
    elsewhere = factories.location(name="Northside", slug="northside")

    report = manager_report(location=elsewhere, first_day=OCTOBER[0], last_day=OCTOBER[1])

    assert report.outcomes == []


def test_the_page_and_the_csv_show_the_share(client, clinic, discharged_courses):
    factories.signed_in(client, factories.staff(username="mia", role=MANAGER))
    period = {"location": clinic.location.pk, "first_day": "2026-10-01", "last_day": "2026-10-31"}

    page = client.get(reverse("staff:reports"), period)
    download = client.get(reverse("staff:reports_csv"), period)

    assert "<th>Pain score (NPRS)</th><td>3</td><td>2</td><td>67 %</td>" in page.text
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert ["outcome", "Pain score (NPRS): discharged episodes", "3", "", ""] in rows
    assert ["outcome", "Pain score (NPRS): reached the MCID", "2", "", ""] in rows
    assert ["outcome", "Pain score (NPRS): reached the MCID %", "66.7", "", ""] in rows
