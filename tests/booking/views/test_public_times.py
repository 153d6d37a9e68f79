"""The patient's day page and month view: what they cost, and what a visitor sees.

The same times as before: tests/booking/scheduling/test_times.py."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from booking.models import (
    Appointment,
    AppointmentSource,
    BookingPolicy,
    ClinicClosure,
    SlotHold,
    TimeOff,
)
from tests import factories
from tests.factories import NOW

LONDON = "Europe/London"


@pytest.fixture
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def times_url(clinic) -> str:
    return reverse("booking:times", args=[clinic.follow_up.slug, clinic.location.slug])


def month_url(clinic) -> str:
    return reverse("booking:month", args=[clinic.follow_up.slug, clinic.location.slug])


# --- Query counts -------------------------------------------------------------------


def _grow(clinic, patient, *, practitioners: int, bookings: int) -> None:
    """A team of `practitioners`, each with a room of their own, and `bookings` morning
    sessions over their weekdays from 5 January 2027, every afternoon left free."""
    team = [clinic.alice, clinic.bob][:practitioners] + [
        factories.practitioner(
            slug=f"p{n}", first_name=f"P{n}", location=clinic.location, services=[clinic.follow_up]
        )
        for n in range(practitioners - 2)
    ]
    if practitioners == 1:
        clinic.bob.locations.clear()
    rooms = clinic.rooms + [
        clinic.location.rooms.create(name=f"Room {n}") for n in range(3, practitioners + 1)
    ]
    # Each practitioner's sessions are another patient's: one patient is in one room.
    people = {
        member.pk: patient
        if n == 0
        else factories.patient(first_name=f"Busy{n}", phone="+441134960001")
        for n, member in enumerate(team)
    }
    appointments: list[Appointment] = []
    day = dt.date(2027, 1, 5)
    while len(appointments) < bookings:
        for practitioner, room in zip(team, rooms, strict=False):
            for slot in range(3 if day.weekday() < 5 else 0):
                start = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
                start += dt.timedelta(minutes=40 * slot)
                appointments.append(
                    Appointment(
                        patient=people[practitioner.pk],
                        practitioner=practitioner,
                        service=clinic.follow_up,
                        location=clinic.location,
                        room=room,
                        start=start,
                        end=start + dt.timedelta(minutes=30),
                        occupied_until=start + dt.timedelta(minutes=40),
                        source=AppointmentSource.ONLINE,
                        reference=f"R{len(appointments):05d}",
                    )
                )
        day += dt.timedelta(days=1)
    Appointment.objects.bulk_create(appointments[:bookings])


@pytest.mark.usefixtures("_frozen_clock")
@pytest.mark.parametrize("horizon_days", [7, 365])
@pytest.mark.parametrize("practitioners", [1, 10])
@pytest.mark.parametrize("bookings", [0, 500])
@pytest.mark.parametrize("who", ["any", "alice"])
def test_it_loads_the_day_page_in_constant_queries(
    client, clinic, patient, django_assert_num_queries, horizon_days, practitioners, bookings, who
):
    BookingPolicy.objects.filter(pk=1).update(horizon_days=horizon_days)
    _grow(clinic, patient, practitioners=practitioners, bookings=bookings)
    params = {"date": "2027-01-06", "practitioner": "any" if who == "any" else clinic.alice.pk}
    # 1 the location's schedule version; 2 the team offering the service here, with the
    # service and the location; 3 the booking policy; load_schedule for the day and its
    # week: 4 hours (weekly UNION extra), 5 time off UNION closures, 6 rooms,
    # 7 appointments UNION holds.
    with django_assert_num_queries(7):
        page = client.get(times_url(clinic), params)
    assert page.status_code == 200
    assert page.context["times"]  # the afternoon is free: no search for a next day
    # The same page again, the schedule unchanged: the version, and the rest from the cache.
    with django_assert_num_queries(1):
        again = client.get(times_url(clinic), params)
    assert again.context["times"] == page.context["times"]
    assert again.context["week"] == page.context["week"]


@pytest.mark.usefixtures("_frozen_clock")
@pytest.mark.parametrize("horizon_days", [7, 365])
@pytest.mark.parametrize("practitioners", [1, 10])
@pytest.mark.parametrize("bookings", [0, 500])
@pytest.mark.parametrize("who", ["any", "alice"])
def test_it_loads_the_month_view_in_constant_queries(
    client, clinic, patient, django_assert_num_queries, horizon_days, practitioners, bookings, who
):
    BookingPolicy.objects.filter(pk=1).update(horizon_days=horizon_days)
    _grow(clinic, patient, practitioners=practitioners, bookings=bookings)
    params = {"month": "2027-01", "practitioner": "any" if who == "any" else clinic.alice.pk}
    # 1 the location's schedule version; 2 the team offering the service here, with the
    # service and the location; 3 the booking policy; load_schedule for the month's
    # bookable days: 4 hours (weekly UNION extra), 5 time off UNION closures, 6 rooms,
    # 7 appointments UNION holds.
    with django_assert_num_queries(7):
        page = client.get(month_url(clinic), params)
    assert page.status_code == 200
    assert page.context["times"]
    with django_assert_num_queries(1):
        again = client.get(month_url(clinic), params)
    assert again.context["weeks"] == page.context["weeks"]


@pytest.mark.usefixtures("_frozen_clock")
def test_it_searches_past_the_week_in_chunks_only_when_it_must(
    client, clinic, django_assert_num_queries
):
    BookingPolicy.objects.filter(pk=1).update(horizon_days=365)
    # Nobody works from 6 January for five weeks: the next free day is 10 February.
    ClinicClosure.objects.create(
        location=clinic.location,
        starts_at=dt.datetime(2027, 1, 6, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 2, 10, tzinfo=dt.UTC),
        reason="Refurbishment",
    )
    # 1 the schedule version, 2 the team, 3 the policy; 4-7 the day and its week (6-12
    # January); 8-11 the next 28 days (13 January - 9 February); 12-15 the 28 after
    # (from 10 February): found.
    with django_assert_num_queries(15):
        page = client.get(times_url(clinic), {"date": "2027-01-06"})
    assert page.context["next_day"] == dt.date(2027, 2, 10)
    assert "date=2027-02-10" in page.text


# --- The month view ---------------------------------------------------------------------


@pytest.mark.usefixtures("_frozen_clock")
def test_it_shows_a_month_with_its_free_days_and_the_first_days_times(client, clinic):
    TimeOff.objects.create(
        practitioner=clinic.alice,
        starts_at=dt.datetime(2027, 1, 12, tzinfo=dt.UTC),
        ends_at=dt.datetime(2027, 1, 13, tzinfo=dt.UTC),
    )
    page = client.get(month_url(clinic), {"month": "2027-01", "practitioner": clinic.alice.pk})
    assert page.status_code == 200
    cells = {cell.date: cell for week in page.context["weeks"] for cell in week}
    assert cells[dt.date(2027, 1, 11)].times > 0  # a Monday
    assert cells[dt.date(2027, 1, 12)].times == 0  # Alice's day off
    assert cells[dt.date(2027, 1, 9)].times == 0  # a Saturday
    assert cells[dt.date(2027, 1, 1)].times == 0  # a Friday before today: not bookable
    assert not cells[dt.date(2026, 12, 28)].in_month  # the first row starts on a Monday
    # Today's times start after the two-hour notice: the first is 11:00.
    assert page.context["day"] == dt.date(2027, 1, 4)
    assert page.context["times"][0][1] == "20270104T1100Z"
    assert 'aria-current="date"' in page.text
    assert "no times" in page.text
    assert "month=2027-01&amp;date=2027-01-11" in page.text


@pytest.mark.usefixtures("_frozen_clock")
def test_it_says_in_words_what_each_day_of_the_month_looks_like(client, clinic):
    page = client.get(
        month_url(clinic), {"month": "2027-01", "date": "2027-01-11", "practitioner": "any"}
    )
    # What a screen reader reads: the text, without the tags.
    words = " ".join(re.sub(r"<[^>]+>", "", page.text).split())
    assert "Friday 1 January , past" in words
    assert "Monday 4 January, today 18 free" in words  # from 11:00, after the notice
    assert "Monday 11 January 26 free, shown below" in words
    assert "Saturday 9 January &ndash;no times" in words  # the dash is hidden from them
    assert 'aria-current="date"' in page.text
    assert 'date=2027-01-11#day-times"' in page.text


@pytest.mark.usefixtures("_frozen_clock")
def test_it_opens_a_chosen_day_and_holds_a_time_from_it_without_javascript(client, clinic):
    page = client.get(
        month_url(clinic), {"month": "2027-01", "date": "2027-01-11", "practitioner": "any"}
    )
    assert page.context["day"] == dt.date(2027, 1, 11)
    assert 'value="20270111T0900Z"' in page.text
    hold = reverse("booking:hold", args=[clinic.follow_up.slug, clinic.location.slug])
    assert f'action="{hold}"' in page.text
    response = client.post(hold, {"start": "20270111T0900Z", "practitioner": "any"})
    assert response.status_code == 302
    assert SlotHold.objects.count() == 1


@pytest.mark.usefixtures("_frozen_clock")
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "2026-12"}, "That month has passed"),
        ({"month": "2027-04"}, "Online booking is open until"),
        ({"month": "2027-01", "date": "2027-02-01"}, "Please choose a day of this month"),
        ({"month": "2027-01", "date": "2027-01-02"}, "Please choose a day of this month"),
        ({"month": "January"}, "Enter a valid date"),
        ({"practitioner": "999"}, "Select a valid choice"),
    ],
)
def test_it_explains_a_bad_month_or_day(client, clinic, params, message):
    page = client.get(month_url(clinic), params)
    assert page.status_code == 400
    assert message in page.text


@pytest.mark.usefixtures("_frozen_clock")
def test_it_links_between_months_inside_the_horizon_only(client, clinic):
    first = client.get(month_url(clinic))
    assert first.context["month"] == dt.date(2027, 1, 1)
    assert first.context["previous_month"] is None
    assert first.context["next_month"] == dt.date(2027, 2, 1)
    last = client.get(month_url(clinic), {"month": "2027-03"})  # 60 days: up to 5 March
    assert last.context["next_month"] is None
    cells = {cell.date: cell for week in last.context["weeks"] for cell in week}
    assert cells[dt.date(2027, 3, 5)].times > 0
    assert cells[dt.date(2027, 3, 8)].times == 0  # after the horizon
