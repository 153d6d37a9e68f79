"""What the times pages compute: exactly the times they showed before.

The pages compute only the days they show. A reference copy of the computation they
replaced (every time free from the chosen day to the end of the horizon, read in one
schedule load) checks that they show exactly the same times, over a busy diary with both
clock changes in it.
"""

import datetime as dt
import random

import pytest

from booking.models import (
    Appointment,
    AppointmentSource,
    BookingPolicy,
    ClinicClosure,
    ExtraHours,
    SlotHold,
    TimeOff,
    WeeklyHours,
    schedule_version,
)
from booking.scheduling import availability, times
from booking.scheduling.rules import booking_rules
from booking.scheduling.schedule import load_schedule
from tests import factories


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
    # Bob's sessions are another patient's: one patient is in one room at a time.
    people = {clinic.alice.pk: patient, clinic.bob.pk: factories.patient(first_name="Erin")}
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
                            patient=people[practitioner.pk],
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


@pytest.mark.parametrize("cached", [False, True], ids=["read", "cached"])
@pytest.mark.parametrize("chunk_days", [28, 2])
@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2027, 3, 20, 8, 0, tzinfo=dt.UTC),  # the spring change on 28 March
        dt.datetime(2027, 10, 23, 8, 0, tzinfo=dt.UTC),  # the autumn change on 31 October
    ],
)
def test_the_pages_show_the_times_they_showed_before(
    clinic, patient, monkeypatch, now, chunk_days, cached
):
    """Read afresh, and through the schedule cache (each page asked twice: filled, then
    hit), with another visitor's hold and the visitor's own among the bookings."""
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
            version=schedule_version(clinic.location.slug) if cached else None,
        )
        for offset in range((last_day - first_day).days + 1):
            day = first_day + dt.timedelta(days=offset)
            before, by_day = _before(question, day, last_day)
            for _asked in range(2 if cached else 1):
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
