"""The patient's day page and month view: what they compute, and what they cost.

The pages compute only the days they show. A reference copy of the computation they
replaced (every time free from the chosen day to the end of the horizon, read in one
schedule load) checks that they show exactly the same times, over a busy diary with both
clock changes in it.
"""

import datetime as dt
import random

import pytest
import time_machine
from django.urls import reverse

from booking.models import (
    Appointment,
    AppointmentSource,
    BookingPolicy,
    ClinicClosure,
    ExtraHours,
    SlotHold,
    TimeOff,
    WeeklyHours,
)
from booking.scheduling import availability, times
from booking.scheduling.rules import booking_rules
from booking.scheduling.schedule import load_schedule
from tests.conftest import NOW, make_practitioner

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
        make_practitioner(f"p{n}", f"P{n}", location=clinic.location, services=[clinic.follow_up])
        for n in range(practitioners - 2)
    ]
    if practitioners == 1:
        clinic.bob.locations.clear()
    rooms = clinic.rooms + [
        clinic.location.rooms.create(name=f"Room {n}") for n in range(3, practitioners + 1)
    ]
    appointments: list[Appointment] = []
    day = dt.date(2027, 1, 5)
    while len(appointments) < bookings:
        for practitioner, room in zip(team, rooms, strict=False):
            for slot in range(3 if day.weekday() < 5 else 0):
                start = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
                start += dt.timedelta(minutes=40 * slot)
                appointments.append(
                    Appointment(
                        patient=patient,
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
    # 1 the team offering the service here, with the service and the location; 2 the
    # booking policy; load_schedule for the day and its week: 3 hours (weekly UNION
    # extra), 4 time off UNION closures, 5 rooms, 6 appointments UNION holds.
    with django_assert_num_queries(6):
        page = client.get(times_url(clinic), params)
    assert page.status_code == 200
    assert page.context["times"]  # the afternoon is free: no search for a next day


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
    # 1 the team offering the service here, with the service and the location; 2 the
    # booking policy; load_schedule for the month's bookable days: 3 hours (weekly UNION
    # extra), 4 time off UNION closures, 5 rooms, 6 appointments UNION holds.
    with django_assert_num_queries(6):
        page = client.get(month_url(clinic), params)
    assert page.status_code == 200
    assert page.context["times"]


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
    # 1 the team, 2 the policy; 3-6 the day and its week (6-12 January); 7-10 the next
    # 28 days (13 January - 9 February); 11-14 the 28 after (from 10 February): found.
    with django_assert_num_queries(14):
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


# --- The same times as before -----------------------------------------------------------


def _busy_diary(clinic, patient, first_day: dt.date, days: int) -> None:
    """Alice and Bob booked at random through `days` days, Sunday early mornings across
    the clock changes included, with time off, a closure, extra hours and holds."""
    zone = clinic.location.zone
    for practitioner in (clinic.alice, clinic.bob):
        WeeklyHours.objects.create(
            practitioner=practitioner,
            location=clinic.location,
            weekday=6,
            start_time=dt.time(0, 30),
            end_time=dt.time(3, 30),
        )
    rng = random.Random(11)
    room_free = {room.pk: dt.datetime.min.replace(tzinfo=dt.UTC) for room in clinic.rooms}
    appointments = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        for practitioner in (clinic.alice, clinic.bob):
            # Sundays' first two hours (across the clock changes) stay bookable.
            opens = dt.time(2, 30) if day.weekday() == 6 else dt.time(0, 30)
            at = dt.datetime.combine(day, opens, tzinfo=zone).astimezone(dt.UTC)
            until = dt.datetime.combine(day, dt.time(17), tzinfo=zone).astimezone(dt.UTC)
            while at < until:
                service = rng.choice([clinic.initial, clinic.follow_up])
                end = at + dt.timedelta(minutes=service.duration_minutes)
                held = end + dt.timedelta(minutes=service.buffer_after_minutes)
                room = next((pk for pk, free in room_free.items() if free <= at), None)
                if rng.random() < 0.3 and room is not None:
                    room_free[room] = held
                    appointments.append(
                        Appointment(
                            patient=patient,
                            practitioner=practitioner,
                            service=service,
                            location=clinic.location,
                            room_id=room,
                            start=at,
                            end=end,
                            occupied_until=held,
                            source=AppointmentSource.FRONT_DESK,
                            reference=f"B{len(appointments):05d}",
                        )
                    )
                    at = held
                at += dt.timedelta(minutes=rng.choice([15, 20, 45]))
    Appointment.objects.bulk_create(appointments)
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=zone)
    TimeOff.objects.create(
        practitioner=clinic.alice,
        starts_at=start + dt.timedelta(days=2),
        ends_at=start + dt.timedelta(days=11, hours=13),
    )
    ClinicClosure.objects.create(
        location=clinic.location,
        starts_at=start + dt.timedelta(days=4, hours=12),
        ends_at=start + dt.timedelta(days=5, hours=10),
        reason="Training",
    )
    ExtraHours.objects.create(
        practitioner=clinic.bob,
        location=clinic.location,
        date=first_day + dt.timedelta(days=6),
        start_time=dt.time(18),
        end_time=dt.time(21),
    )
    for token, day in (("someone-else", 1), ("mine", 3)):
        at = dt.datetime.combine(first_day + dt.timedelta(days=day), dt.time(14), tzinfo=zone)
        SlotHold.objects.create(
            token=token,
            practitioner=clinic.bob,
            room=clinic.rooms[0],
            start=at,
            occupied_until=at + dt.timedelta(minutes=40),
            expires_at=at,
        )


def _before(question: times.Question, day: dt.date, last_day: dt.date):
    """What the day page showed before: every time free from the day to the end of the
    horizon, in one load, then the day, its week and the next day with a time."""
    practitioner_id = None if len(question.practitioners) > 1 else question.practitioners[0].pk
    loaded = load_schedule(
        service=question.service,
        location=question.location,
        first_day=day,
        last_day=last_day,
        practitioner_id=practitioner_id,
        hold_token=question.hold_token,
        now=question.now,
    )
    slots = availability.free_slots(loaded.schedule, question.rules, day, last_day)
    by_day: dict[dt.date, list[dt.datetime]] = {}
    for start in availability.slots_by_start(slots):
        by_day.setdefault(start.astimezone(question.location.zone).date(), []).append(start)
    shown = by_day.get(day, [])
    next_day = next((d for d in sorted(by_day) if d > day), None)
    week = [day + dt.timedelta(days=n) for n in range(7)]
    return times.DayPage(
        times=shown,
        week=[(d, len(by_day.get(d, []))) for d in week if d <= last_day],
        next_day=None if shown else next_day,
    ), by_day


@pytest.mark.parametrize("chunk_days", [28, 2])
@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2027, 3, 20, 8, 0, tzinfo=dt.UTC),  # the spring change on 28 March
        dt.datetime(2027, 10, 23, 8, 0, tzinfo=dt.UTC),  # the autumn change on 31 October
    ],
)
def test_the_pages_show_the_times_they_showed_before(clinic, patient, monkeypatch, now, chunk_days):
    monkeypatch.setattr(times, "SEARCH_CHUNK_DAYS", chunk_days)
    policy = BookingPolicy.load()
    policy.horizon_days = 21
    zone = clinic.location.zone
    first_day = now.astimezone(zone).date()
    last_day = (now + dt.timedelta(days=policy.horizon_days)).astimezone(zone).date()
    _busy_diary(clinic, patient, first_day, days=(last_day - first_day).days + 2)
    rules = booking_rules(
        service=clinic.initial, policy=policy, now=now, source=AppointmentSource.ONLINE
    )
    shown, on_change_day, searched_past_week = 0, 0, False
    for team in ([clinic.alice, clinic.bob], [clinic.alice], [clinic.bob]):
        question = times.Question(
            service=clinic.initial,
            location=clinic.location,
            practitioners=team,
            rules=rules,
            hold_token="mine",
            now=now,
        )
        for offset in range((last_day - first_day).days + 1):
            day = first_day + dt.timedelta(days=offset)
            before, by_day = _before(question, day, last_day)
            assert times.day_page(question, day, last_day) == before, (team, day)
            month = day.replace(day=1)
            _, month_days = times.month_page(question, month, day, last_day)
            assert month_days == {d: s for d, s in by_day.items() if d.month == month.month}
            shown += len(before.times)
            if day in (dt.date(2027, 3, 28), dt.date(2027, 10, 31)):
                on_change_day += len(before.times)
            if before.next_day and before.next_day > day + dt.timedelta(days=6):
                searched_past_week = True
    # A busy diary, not an empty one: times on the clock-change day, and a next free
    # day found beyond the week (Alice's time off).
    assert shown > 200
    assert on_change_day > 0
    assert searched_past_week
