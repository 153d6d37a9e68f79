"""The availability engine, without the database: properties on random schedules, then
exact slots across clock changes and small worked examples."""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.scheduling.availability import (
    Booking,
    Hours,
    Period,
    Rules,
    Schedule,
    Slot,
    free_slots,
    least_loaded,
)

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")

LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=UTC)
FAR_AHEAD = dt.datetime(2100, 1, 1, tzinfo=UTC)
MONDAY = dt.date(2027, 1, 11)  # winter: London wall clock equals UTC

FIVE_MINUTES = dt.timedelta(minutes=5)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A time on MONDAY-like winter days, where London and UTC agree."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def rules(
    duration: int,
    *,
    interval: int = 15,
    buffer: int = 0,
    earliest: dt.datetime = LONG_AGO,
    latest: dt.datetime = FAR_AHEAD,
) -> Rules:
    return Rules(
        duration=minutes(duration),
        buffer=minutes(buffer),
        interval_minutes=interval,
        earliest=earliest,
        latest=latest,
    )


def one_day(
    zone: ZoneInfo, day: dt.date, start: dt.time, end: dt.time, *, duration: int, interval: int
) -> list[Slot]:
    """Slots for one practitioner with one free room, working start..end on that date."""
    schedule = Schedule(
        zone=zone, practitioner_ids=(1,), room_ids=(1,), hours=(Hours(1, start, end, date=day),)
    )
    return free_slots(schedule, rules(duration, interval=interval), day, day)


def assert_clock_change(zone: ZoneInfo, day: dt.date, before: float, after: float) -> None:
    """Guard the hard-coded dates: the zone's offset (in hours) really changes that night."""
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    morning = dt.datetime.combine(day, dt.time(5), tzinfo=zone)
    assert midnight.utcoffset() == dt.timedelta(hours=before)
    assert morning.utcoffset() == dt.timedelta(hours=after)


# An independent model of the rules, used as the oracle by the properties below.


def merged_blocks(schedule: Schedule, practitioner_id: int, day: dt.date) -> list[list[dt.time]]:
    walls = sorted(
        (block.start, block.end)
        for block in schedule.hours
        if block.practitioner_id == practitioner_id
        and (block.date == day or (block.date is None and block.weekday == day.weekday()))
    )
    merged: list[list[dt.time]] = []
    for start, end in walls:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


@lru_cache(maxsize=4096)
def edge(zone: ZoneInfo, day: dt.date, wall: dt.time) -> dt.datetime:
    """The first instant at which the clock on the wall reads `wall` or later that day.

    That is the time itself when it exists, its first occurrence when it happens twice, and
    the moment the clocks jump over it when it falls in the spring-forward gap. Found by
    walking the day in real time: every edge, midnight and clock change in these zones sits
    on a five-minute boundary."""
    target = dt.datetime.combine(day, wall)
    instant = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)
    while instant.astimezone(zone).replace(tzinfo=None) < target:
        instant += FIVE_MINUTES
    return instant


def within_working_hours(schedule: Schedule, practitioner_id: int, start, end) -> bool:
    zone = schedule.zone
    day = start.astimezone(zone).date()
    return any(
        edge(zone, day, block_start) <= start and end <= edge(zone, day, block_end)
        for block_start, block_end in merged_blocks(schedule, practitioner_id, day)
    )


def overlaps(start, end, other_start, other_end) -> bool:
    return start < other_end and other_start < end


# Random schedules. Clock changes happen in the small hours, so every window holds one and
# block edges lean towards 00:00-04:00.

CHANGE_DAYS = {
    LONDON: [dt.date(2027, 3, 28), dt.date(2027, 10, 31)],
    NEW_YORK: [dt.date(2027, 3, 14), dt.date(2027, 11, 7)],
    LORD_HOWE: [dt.date(2027, 4, 4), dt.date(2027, 10, 3)],
}


@dataclass(frozen=True)
class Scenario:
    schedule: Schedule
    rules: Rules
    first_day: dt.date
    last_day: dt.date

    def slots(self) -> list[Slot]:
        return free_slots(self.schedule, self.rules, self.first_day, self.last_day)


@st.composite
def wall_blocks(draw) -> tuple[dt.time, dt.time]:
    """start < end on a five-minute grid. Half the blocks sit in the small hours, so their
    edges keep landing in the gaps and repeats."""
    if draw(st.booleans()):
        start = draw(st.integers(0, 36))  # 00:00-03:00
        end = draw(st.integers(start + 1, start + 24))  # up to two hours long
    else:
        start = draw(st.integers(0, 286))
        end = draw(st.integers(start + 1, 287))
    return dt.time(start * 5 // 60, start * 5 % 60), dt.time(end * 5 // 60, end * 5 % 60)


@st.composite
def scenarios(draw, *, busy: bool = True) -> Scenario:
    zone = draw(st.sampled_from(list(CHANGE_DAYS)))
    # Every window holds a clock change; the days either side are ordinary ones.
    change_day = draw(st.sampled_from(CHANGE_DAYS[zone]))
    first_day = change_day - dt.timedelta(days=draw(st.integers(0, 1)))
    last_day = change_day + dt.timedelta(days=draw(st.integers(0, 1)))
    days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]

    practitioner_ids = tuple(draw(st.lists(st.integers(1, 9), min_size=1, max_size=4, unique=True)))
    room_ids = tuple(draw(st.lists(st.integers(1, 9), min_size=1, max_size=3, unique=True)))
    practitioner = st.sampled_from(practitioner_ids)

    weekday = st.one_of(st.sampled_from([day.weekday() for day in days]), st.integers(0, 6))
    weekly = draw(
        st.lists(st.tuples(practitioner, weekday, wall_blocks()), min_size=1, max_size=10)
    )
    window_day = st.sampled_from(days)
    dated = draw(
        st.lists(st.tuples(practitioner, window_day, wall_blocks()), min_size=1, max_size=4)
    )
    hours = tuple(
        [Hours(pid, start, end, weekday=wd) for pid, wd, (start, end) in weekly]
        + [Hours(pid, start, end, date=day) for pid, day, (start, end) in dated]
    )

    # Instants on any minute, a little either side of the window.
    window_start = dt.datetime.combine(first_day, dt.time(0), tzinfo=zone).astimezone(UTC)
    window_start -= dt.timedelta(hours=3)
    window_minutes = (len(days) * 24 + 6) * 60
    instant = st.integers(0, window_minutes).map(lambda n: window_start + minutes(n))

    def periods(longest: int):
        return st.builds(
            lambda start, length: Period(start, start + minutes(length)),
            instant,
            st.integers(1, longest),
        )

    bookings: tuple[Booking, ...] = ()
    time_off: tuple[tuple[int, Period], ...] = ()
    closures: tuple[Period, ...] = ()
    if busy:
        bookings = tuple(
            Booking(pid, room, period.start, period.end)
            for pid, room, period in draw(
                st.lists(
                    st.tuples(practitioner, st.sampled_from(room_ids), periods(180)), max_size=12
                )
            )
        )
        time_off = tuple(draw(st.lists(st.tuples(practitioner, periods(300)), max_size=3)))
        closures = tuple(draw(st.lists(periods(240), max_size=2)))

    # Often no notice or horizon at all, so the night hours are not always cut away.
    earliest = window_start + minutes(draw(st.integers(-1440, window_minutes) | st.just(-1440)))
    latest = earliest + minutes(draw(st.integers(0, 4 * 1440) | st.just(4 * 1440)))
    drawn_rules = Rules(
        duration=minutes(draw(st.integers(15, 90))),
        buffer=minutes(draw(st.integers(0, 20))),
        interval_minutes=draw(st.sampled_from([5, 10, 15, 30])),
        earliest=earliest,
        latest=latest,
    )
    schedule = Schedule(
        zone=zone,
        practitioner_ids=practitioner_ids,
        room_ids=room_ids,
        hours=hours,
        time_off=time_off,
        closures=closures,
        bookings=bookings,
    )
    return Scenario(schedule, drawn_rules, first_day, last_day)


bounded = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@bounded
@given(scenarios())
def test_it_only_offers_slots_that_keep_every_rule(scenario: Scenario):
    schedule, rules_ = scenario.schedule, scenario.rules
    zone = schedule.zone
    slots = scenario.slots()

    keys = [(slot.start, slot.practitioner_id) for slot in slots]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)

    for slot in slots:
        occupied_until = slot.end + rules_.buffer
        local = slot.start.astimezone(zone)

        assert slot.end - slot.start == rules_.duration
        assert rules_.earliest <= slot.start <= rules_.latest
        assert scenario.first_day <= local.date() <= scenario.last_day
        assert local.second == 0
        assert (local.hour * 60 + local.minute) % rules_.interval_minutes == 0
        # A repeated wall-clock time is offered at its first occurrence only.
        assert local.fold == 0
        assert within_working_hours(schedule, slot.practitioner_id, slot.start, slot.end)

        assert slot.room_id in schedule.room_ids
        for booking in schedule.bookings:
            clash = overlaps(slot.start, occupied_until, booking.start, booking.occupied_until)
            if booking.practitioner_id == slot.practitioner_id or booking.room_id == slot.room_id:
                assert not clash, booking
        # Cleaning may run into time off or a closure; the session itself may not.
        for practitioner_id, period in schedule.time_off:
            if practitioner_id == slot.practitioner_id:
                assert not overlaps(slot.start, slot.end, period.start, period.end), period
        for period in schedule.closures:
            assert not overlaps(slot.start, slot.end, period.start, period.end), period


@bounded
@given(scenarios(busy=False))
def test_it_offers_every_grid_time_where_a_session_fits(scenario: Scenario):
    schedule, rules_ = scenario.schedule, scenario.rules
    zone = schedule.zone
    # Walk real time rather than the wall clock, so the model meets each instant once:
    # missing times never come up and repeated ones show their fold.
    instant = dt.datetime.combine(scenario.first_day, dt.time(0), tzinfo=zone).astimezone(UTC)
    stop = dt.datetime.combine(
        scenario.last_day + dt.timedelta(days=1), dt.time(0), tzinfo=zone
    ).astimezone(UTC)
    expected = set()
    while instant < stop:
        local = instant.astimezone(zone)
        on_grid = (local.hour * 60 + local.minute) % rules_.interval_minutes == 0
        if on_grid and local.fold == 0 and rules_.earliest <= instant <= rules_.latest:
            for practitioner_id in schedule.practitioner_ids:
                end = instant + rules_.duration
                if within_working_hours(schedule, practitioner_id, instant, end):
                    expected.add((instant, practitioner_id))
        instant += FIVE_MINUTES

    slots = scenario.slots()
    assert {(slot.start, slot.practitioner_id) for slot in slots} == expected
    # Every room is free, so the first one is always the one chosen.
    assert {slot.room_id for slot in slots} <= {min(schedule.room_ids)}


# Clock changes: exact slots for a night of work around each change.


def test_it_skips_missing_times_when_london_springs_forward():
    day = dt.date(2027, 3, 28)  # 01:00 GMT becomes 02:00 BST
    assert_clock_change(LONDON, day, before=0, after=1)

    slots = one_day(LONDON, day, dt.time(0), dt.time(4), duration=30, interval=30)

    assert [slot.start for slot in slots] == [
        utc(2027, 3, 28, 0, 0),  # 00:00 GMT
        utc(2027, 3, 28, 0, 30),  # 00:30 GMT
        utc(2027, 3, 28, 1, 0),  # 02:00 BST: 01:00 and 01:30 never show on the clock
        utc(2027, 3, 28, 1, 30),  # 02:30 BST
        utc(2027, 3, 28, 2, 0),  # 03:00 BST
        utc(2027, 3, 28, 2, 30),  # 03:30 BST, ending at 04:00 BST
    ]
    assert [slot.start.astimezone(LONDON).strftime("%H:%M") for slot in slots] == [
        "00:00",
        "00:30",
        "02:00",
        "02:30",
        "03:00",
        "03:30",
    ]
    assert all(slot.end - slot.start == minutes(30) for slot in slots)
    # The 00:30 session ends at the jump itself: 01:00 UTC, which the clock shows as 02:00.
    assert slots[1].end == utc(2027, 3, 28, 1, 0)


def test_it_offers_the_repeated_hour_once_when_london_falls_back():
    day = dt.date(2027, 10, 31)  # 02:00 BST becomes 01:00 GMT
    assert_clock_change(LONDON, day, before=1, after=0)

    slots = one_day(LONDON, day, dt.time(0), dt.time(4), duration=30, interval=30)

    assert [slot.start for slot in slots] == [
        utc(2027, 10, 30, 23, 0),  # 00:00 BST
        utc(2027, 10, 30, 23, 30),  # 00:30 BST
        utc(2027, 10, 31, 0, 0),  # 01:00 BST, the first 01:00
        utc(2027, 10, 31, 0, 30),  # 01:30 BST; the second 01:00 and 01:30 are not offered
        utc(2027, 10, 31, 2, 0),  # 02:00 GMT
        utc(2027, 10, 31, 2, 30),
        utc(2027, 10, 31, 3, 0),
        utc(2027, 10, 31, 3, 30),  # ends at 04:00 GMT
    ]
    assert all(slot.start.astimezone(LONDON).fold == 0 for slot in slots)
    assert all(slot.end - slot.start == minutes(30) for slot in slots)


def test_it_skips_missing_times_when_new_york_springs_forward():
    day = dt.date(2027, 3, 14)  # 02:00 EST becomes 03:00 EDT
    assert_clock_change(NEW_YORK, day, before=-5, after=-4)

    slots = one_day(NEW_YORK, day, dt.time(0), dt.time(4), duration=30, interval=30)

    assert [slot.start for slot in slots] == [
        utc(2027, 3, 14, 5, 0),  # 00:00 EST
        utc(2027, 3, 14, 5, 30),
        utc(2027, 3, 14, 6, 0),  # 01:00 EST
        utc(2027, 3, 14, 6, 30),  # 01:30 EST
        utc(2027, 3, 14, 7, 0),  # 03:00 EDT: 02:00 and 02:30 do not exist
        utc(2027, 3, 14, 7, 30),  # 03:30 EDT, ending at 04:00 EDT
    ]
    assert all(slot.end - slot.start == minutes(30) for slot in slots)


def test_it_offers_the_repeated_hour_once_when_new_york_falls_back():
    day = dt.date(2027, 11, 7)  # 02:00 EDT becomes 01:00 EST
    assert_clock_change(NEW_YORK, day, before=-4, after=-5)

    slots = one_day(NEW_YORK, day, dt.time(0), dt.time(4), duration=30, interval=30)

    assert [slot.start for slot in slots] == [
        utc(2027, 11, 7, 4, 0),  # 00:00 EDT
        utc(2027, 11, 7, 4, 30),
        utc(2027, 11, 7, 5, 0),  # 01:00 EDT, the first 01:00
        utc(2027, 11, 7, 5, 30),  # 01:30 EDT; not 06:00 or 06:30 UTC (01:00, 01:30 EST)
        utc(2027, 11, 7, 7, 0),  # 02:00 EST
        utc(2027, 11, 7, 7, 30),
        utc(2027, 11, 7, 8, 0),
        utc(2027, 11, 7, 8, 30),  # 03:30 EST, ending at 04:00 EST
    ]
    assert all(slot.end - slot.start == minutes(30) for slot in slots)


def test_it_skips_the_missing_half_hour_when_lord_howe_springs_forward():
    day = dt.date(2027, 10, 3)  # 02:00 (+10:30) becomes 02:30 (+11)
    assert_clock_change(LORD_HOWE, day, before=10.5, after=11)

    slots = one_day(LORD_HOWE, day, dt.time(1), dt.time(4), duration=30, interval=15)

    assert [slot.start.astimezone(LORD_HOWE).strftime("%H:%M") for slot in slots] == [
        "01:00",
        "01:15",
        "01:30",
        "01:45",
        # 02:00 and 02:15 do not exist
        "02:30",
        "02:45",
        "03:00",
        "03:15",
        "03:30",
    ]
    # In real time the slots run on without a hole: the clock skipped, nobody waited.
    assert [slot.start for slot in slots] == [
        utc(2027, 10, 2, 14, 30) + minutes(15 * n) for n in range(9)
    ]
    assert all(slot.end - slot.start == minutes(30) for slot in slots)


def test_it_offers_the_repeated_half_hour_once_when_lord_howe_falls_back():
    day = dt.date(2027, 4, 4)  # 02:00 (+11) becomes 01:30 (+10:30)
    assert_clock_change(LORD_HOWE, day, before=11, after=10.5)

    slots = one_day(LORD_HOWE, day, dt.time(1), dt.time(3), duration=30, interval=15)

    assert [slot.start for slot in slots] == [
        utc(2027, 4, 3, 14, 0),  # 01:00 (+11)
        utc(2027, 4, 3, 14, 15),  # 01:15 (+11)
        utc(2027, 4, 3, 14, 30),  # 01:30 (+11), the first one
        utc(2027, 4, 3, 14, 45),  # 01:45 (+11); 15:00 and 15:15 UTC would be the repeats
        utc(2027, 4, 3, 15, 30),  # 02:00 (+10:30)
        utc(2027, 4, 3, 15, 45),
        utc(2027, 4, 3, 16, 0),  # 02:30 (+10:30), ending at 03:00
    ]
    assert [slot.start.astimezone(LORD_HOWE).strftime("%H:%M") for slot in slots] == [
        "01:00",
        "01:15",
        "01:30",
        "01:45",
        "02:00",
        "02:15",
        "02:30",
    ]


def test_it_keeps_wall_clock_hours_through_the_year():
    # Weekly hours, so the same rule row serves a winter and a summer Wednesday.
    schedule = Schedule(
        zone=LONDON,
        practitioner_ids=(1,),
        room_ids=(1,),
        hours=(Hours(1, dt.time(9), dt.time(10), weekday=2),),
    )
    winter, summer = dt.date(2027, 1, 13), dt.date(2027, 7, 14)

    assert [slot.start for slot in free_slots(schedule, rules(60), winter, winter)] == [
        utc(2027, 1, 13, 9, 0)
    ]
    assert [slot.start for slot in free_slots(schedule, rules(60), summer, summer)] == [
        utc(2027, 7, 14, 8, 0)
    ]


def test_it_lasts_real_minutes_across_the_spring_forward_jump():
    day = dt.date(2027, 3, 28)
    slots = one_day(LONDON, day, dt.time(0), dt.time(4), duration=60, interval=30)

    slot = next(slot for slot in slots if slot.start == utc(2027, 3, 28, 0, 30))
    assert slot.end == utc(2027, 3, 28, 1, 30)
    assert slot.end.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"


def test_it_ends_hours_that_stop_inside_the_gap_when_the_clocks_jump():
    # Working until 01:30 on the night 01:00 jumps to 02:00: from the jump on, the clock
    # reads later than 01:30, so no session may run past it into 02:30 BST.
    day = dt.date(2027, 3, 28)

    half_hours = one_day(LONDON, day, dt.time(0), dt.time(1, 30), duration=30, interval=30)
    hours = one_day(LONDON, day, dt.time(0), dt.time(1, 30), duration=60, interval=30)

    assert [slot.start for slot in half_hours] == [utc(2027, 3, 28, 0, 0), utc(2027, 3, 28, 0, 30)]
    assert [(slot.start, slot.end) for slot in hours] == [
        (utc(2027, 3, 28, 0, 0), utc(2027, 3, 28, 1, 0))
    ]


def test_it_starts_hours_that_begin_inside_the_gap_when_the_clocks_jump():
    day = dt.date(2027, 3, 28)
    slots = one_day(LONDON, day, dt.time(1, 30), dt.time(3), duration=30, interval=30)

    assert [slot.start.astimezone(LONDON).strftime("%H:%M") for slot in slots] == [
        "02:00",
        "02:30",
    ]


# Small worked examples on a winter Monday, where London wall-clock times equal UTC.


def monday_schedule(*blocks: tuple[int, int], **kwargs) -> Schedule:
    kwargs.setdefault("practitioner_ids", (1,))
    kwargs.setdefault("room_ids", (1,))
    hours = tuple(
        Hours(practitioner_id, dt.time(start), dt.time(end), weekday=0)
        for practitioner_id in kwargs["practitioner_ids"]
        for start, end in blocks
    )
    return Schedule(zone=LONDON, hours=hours, **kwargs)


def monday_starts(schedule: Schedule, rules_: Rules, practitioner_id: int = 1) -> list[str]:
    return [
        slot.start.strftime("%H:%M")
        for slot in free_slots(schedule, rules_, MONDAY, MONDAY)
        if slot.practitioner_id == practitioner_id
    ]


def test_it_keeps_sessions_out_of_the_lunch_break():
    schedule = monday_schedule((9, 12), (13, 17))

    starts = monday_starts(schedule, rules(60, interval=15))

    assert "11:00" in starts
    assert "11:15" not in starts  # would run into lunch
    assert "12:00" not in starts
    assert starts[starts.index("11:00") + 1] == "13:00"
    assert starts[-1] == "16:00"


def test_it_lets_a_session_run_from_one_block_into_a_touching_one():
    schedule = monday_schedule((9, 12), (12, 15))

    assert "11:30" in monday_starts(schedule, rules(60, interval=30))


def test_it_keeps_the_buffer_after_a_booking_free():
    # occupied_until already includes the booked session's own cleaning time.
    booking = Booking(1, 1, at(MONDAY, 9), at(MONDAY, 10, 10))
    schedule = monday_schedule((9, 12), bookings=(booking,))

    starts = monday_starts(schedule, rules(30, interval=5, buffer=10))

    assert starts[0] == "10:10"


def test_it_keeps_the_buffer_of_the_new_session_clear_of_the_next_booking():
    booking = Booking(1, 1, at(MONDAY, 11), at(MONDAY, 12))
    schedule = monday_schedule((9, 12), bookings=(booking,))

    starts = monday_starts(schedule, rules(30, interval=10, buffer=10))

    assert starts[-1] == "10:20"  # 10:20-10:50, cleaned by 11:00; 10:30 would clean till 11:10


def test_it_needs_a_free_room():
    # Alice's booking holds the only room, so Bob is free but has nowhere to treat.
    alice, bob = 1, 2
    booking = Booking(alice, 1, at(MONDAY, 10), at(MONDAY, 11))
    one_room = monday_schedule((9, 12), practitioner_ids=(alice, bob), bookings=(booking,))
    two_rooms = monday_schedule(
        (9, 12), practitioner_ids=(alice, bob), room_ids=(1, 2), bookings=(booking,)
    )

    bob_starts = monday_starts(one_room, rules(60, interval=60), bob)
    assert bob_starts == ["09:00", "11:00"]

    slots = free_slots(two_rooms, rules(60, interval=60), MONDAY, MONDAY)
    assert [(s.start.hour, s.practitioner_id, s.room_id) for s in slots] == [
        (9, alice, 1),
        (9, bob, 1),
        (10, bob, 2),
        (11, alice, 1),
        (11, bob, 1),
    ]


def test_it_gives_the_session_to_the_least_loaded_practitioner():
    alice, bob, charlie = 1, 2, 3
    schedule = monday_schedule(
        (9, 17),
        practitioner_ids=(alice, bob, charlie),
        room_ids=(1, 2, 3),
        bookings=(
            Booking(alice, 1, at(MONDAY, 9), at(MONDAY, 10, 10)),
            Booking(bob, 2, at(MONDAY, 9), at(MONDAY, 9, 40)),
            # Another day's work does not count towards Monday.
            Booking(charlie, 3, at(MONDAY - dt.timedelta(days=1), 9), at(MONDAY, 0)),
            Booking(charlie, 3, at(MONDAY, 13), at(MONDAY, 14, 10)),
        ),
    )
    candidates = [
        slot
        for slot in free_slots(schedule, rules(30, interval=30), MONDAY, MONDAY)
        if slot.start == at(MONDAY, 11)
    ]
    assert [slot.practitioner_id for slot in candidates] == [alice, bob, charlie]

    assert least_loaded(candidates, schedule).practitioner_id == bob


def test_it_breaks_a_least_loaded_tie_by_the_lowest_id():
    schedule = monday_schedule((9, 17), practitioner_ids=(7, 3, 5), room_ids=(1, 2, 3))
    candidates = [
        slot
        for slot in free_slots(schedule, rules(30, interval=30), MONDAY, MONDAY)
        if slot.start == at(MONDAY, 9)
    ]

    # Handed over highest id first, so the pick cannot just be the first candidate.
    assert least_loaded(candidates[::-1], schedule).practitioner_id == 3


def test_it_cuts_slots_outside_the_notice_and_the_horizon():
    schedule = monday_schedule((9, 17))
    notice_and_horizon = rules(30, interval=15, earliest=at(MONDAY, 10, 5), latest=at(MONDAY, 15))

    starts = monday_starts(schedule, notice_and_horizon)

    assert starts[0] == "10:15"
    assert starts[-1] == "15:00"  # the horizon bounds the start, not the end
