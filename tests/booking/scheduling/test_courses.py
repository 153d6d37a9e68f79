"""Proposing a course from the engine's free slots, without the database."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.scheduling.availability import (
    Booking,
    Hours,
    Period,
    Rules,
    Schedule,
    free_slots,
    slot_at,
)
from booking.scheduling.courses import (
    CoursePlan,
    first_weekday_on_or_after,
    gaps_kept,
    propose_course,
)

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
MONDAY = dt.date(2027, 1, 11)  # winter: London wall clock equals UTC
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=UTC)
FAR_AHEAD = dt.datetime(2100, 1, 1, tzinfo=UTC)
RULES = Rules(
    duration=dt.timedelta(minutes=30),
    buffer=dt.timedelta(minutes=10),
    interval_minutes=15,
    earliest=LONG_AGO,
    latest=FAR_AHEAD,
)
DAY = dt.timedelta(days=1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def weekdays_9_to_17(*practitioners: int) -> tuple[Hours, ...]:
    return tuple(
        Hours(pid, dt.time(9), dt.time(17), weekday=weekday)
        for pid in practitioners
        for weekday in range(5)
    )


def propose(schedule: Schedule, plan: CoursePlan):
    first = plan.first_day - dt.timedelta(days=plan.search_days)
    slots = free_slots(schedule, RULES, first, plan.last_day())
    return propose_course(slots, plan=plan, rules=RULES, zone=schedule.zone)


def plan(**overrides) -> CoursePlan:
    values = {
        "sessions": 4,
        "first_day": MONDAY,
        "every_days": 7,
        "preferred_time": dt.time(10),
        "min_gap": dt.timedelta(hours=24),
    }
    return CoursePlan(**(values | overrides))


def test_it_proposes_the_preferred_time_every_week_when_free():
    schedule = Schedule(LONDON, (1,), (1,), hours=weekdays_9_to_17(1))

    proposal = propose(schedule, plan())

    assert [s.slot.start for s in proposal if s.slot] == [
        at(MONDAY + dt.timedelta(weeks=n), 10) for n in range(4)
    ]
    assert not any(s.moved for s in proposal)


def test_it_offers_the_nearest_free_time_when_a_weeks_time_is_taken():
    taken = at(MONDAY + dt.timedelta(weeks=1), 10)
    schedule = Schedule(
        LONDON,
        (1,),
        (1,),
        hours=weekdays_9_to_17(1),
        bookings=(
            Booking(1, 1, taken - dt.timedelta(minutes=15), taken + dt.timedelta(minutes=30)),
        ),
    )

    proposal = propose(schedule, plan())

    second = proposal[1]
    assert second.moved
    # 09:45-10:30 is occupied: 09:00 + 30 min + 10 buffer ends 09:40; 10:30 is the nearest
    # later start, 09:00 (45 minutes away, the buffer ending at 09:40) the nearest earlier.
    assert second.slot is not None
    assert second.slot.start == at(MONDAY + dt.timedelta(weeks=1), 10, 30)
    assert [s.slot.start for s in proposal if not s.moved and s.slot] == [
        at(MONDAY + dt.timedelta(weeks=n), 10) for n in (0, 2, 3)
    ]


def test_it_keeps_the_minimum_gap_when_sessions_are_close_together():
    # Every day at 10:00 with a 48-hour gap: the engine would offer each next day, but the
    # gap pushes each session to the nearest time at least 48 hours after the last ended.
    schedule = Schedule(LONDON, (1,), (1,), hours=weekdays_9_to_17(1))

    proposal = propose(schedule, plan(sessions=3, every_days=1, min_gap=dt.timedelta(hours=48)))

    starts = [s.slot for s in proposal]
    assert all(starts)
    assert gaps_kept([(s.start, s.end) for s in starts if s], dt.timedelta(hours=48))
    assert starts[1] is not None
    assert starts[1].start == at(MONDAY + 2 * DAY, 10, 30)


def test_it_proposes_nothing_for_a_week_with_no_free_time():
    away_week = MONDAY + dt.timedelta(weeks=1)
    schedule = Schedule(
        LONDON,
        (1,),
        (1,),
        hours=weekdays_9_to_17(1),
        time_off=((1, _period(away_week - 4 * DAY, away_week + 5 * DAY)),),
    )

    proposal = propose(schedule, plan(sessions=3))

    assert proposal[0].slot is not None
    assert proposal[2].slot is not None
    assert proposal[1].slot is None


def _period(first: dt.date, last: dt.date) -> Period:
    return Period(at(first, 0), at(last, 0))


def test_any_practitioner_keeps_to_the_first_sessions_practitioner():
    busy_one = at(MONDAY, 10)
    schedule = Schedule(
        LONDON,
        (1, 2),
        (1, 2),
        hours=weekdays_9_to_17(1, 2),
        bookings=(Booking(1, 1, busy_one, busy_one + dt.timedelta(minutes=40)),),
    )

    proposal = propose(schedule, plan())

    assert {s.slot.practitioner_id for s in proposal if s.slot} == {2}


def test_first_weekday_on_or_after():
    assert first_weekday_on_or_after(MONDAY, 0) == MONDAY
    assert first_weekday_on_or_after(MONDAY, 3) == MONDAY + 3 * DAY
    assert first_weekday_on_or_after(MONDAY + DAY, 0) == MONDAY + 7 * DAY


def test_a_plan_refuses_impossible_values():
    with pytest.raises(ValueError, match="sessions"):
        plan(sessions=0)
    with pytest.raises(ValueError, match="a day apart"):
        plan(every_days=0)


def test_the_preferred_time_is_kept_in_wall_clock_across_a_clock_change():
    # Weekly at 10:00 London from the Monday before the March change: 10:00 GMT, then BST.
    before = dt.date(2027, 3, 22)
    schedule = Schedule(LONDON, (1,), (1,), hours=weekdays_9_to_17(1))

    proposal = propose(schedule, plan(first_day=before, sessions=2))

    assert [s.slot.start.astimezone(LONDON).time() for s in proposal if s.slot] == [
        dt.time(10),
        dt.time(10),
    ]
    assert proposal[1].slot is not None
    assert proposal[1].slot.start == dt.datetime(2027, 3, 29, 9, 0, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(
    every_days=st.integers(1, 10),
    gap_hours=st.sampled_from([0, 24, 36, 48, 72]),
    hour=st.integers(8, 17),
    booked=st.lists(st.tuples(st.integers(0, 40), st.integers(9, 16)), max_size=30),
    sessions=st.integers(1, 6),
)
def test_every_proposal_keeps_the_gap_and_is_free_in_the_engine(
    every_days, gap_hours, hour, booked, sessions
):
    bookings = tuple(
        Booking(1, 1, at(MONDAY + day * DAY, h), at(MONDAY + day * DAY, h) + dt.timedelta(hours=1))
        for day, h in booked
    )
    schedule = Schedule(LONDON, (1,), (1,), hours=weekdays_9_to_17(1), bookings=bookings)
    course = plan(
        sessions=sessions,
        every_days=every_days,
        preferred_time=dt.time(hour),
        min_gap=dt.timedelta(hours=gap_hours),
    )

    proposal = propose(schedule, course)

    chosen = [s.slot for s in proposal if s.slot]
    gap = max(dt.timedelta(hours=gap_hours), RULES.buffer)
    assert gaps_kept([(s.start, s.end) for s in chosen], gap)
    for slot in chosen:
        assert slot_at(schedule, RULES, slot.start, slot.practitioner_id) is not None
    for session in proposal:
        if session.slot is not None:
            day = session.slot.start.astimezone(LONDON).date()
            assert abs((day - session.wanted.astimezone(LONDON).date()).days) <= course.search_days
