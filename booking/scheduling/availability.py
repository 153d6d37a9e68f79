"""The availability engine: wall-clock working rules in, aware free slots out.

Pure Python: no ORM, no clock. ``booking.selectors.load_schedule`` gathers the data in a
constant number of queries; the caller passes ``now`` in as part of ``Rules``.

Time rules, all in the location's zone:
- Working hours are wall-clock times, so 09:00 is 09:00 in summer and in winter.
- Slots start on a grid counted from local midnight (every ``interval_minutes``).
- A grid time that does not exist (the spring-forward gap) is skipped.
- A grid time that happens twice (the autumn fall-back) means its first occurrence
  (``fold=0``); the repeated hour is not offered a second time.
- Durations, buffers and overlaps are computed on UTC instants, so a 60-minute session
  across a change lasts 60 real minutes.

Occupancy: a session holds its practitioner and its room from its start until the end of
its buffer. Time off and closures only need to stay clear of the session itself: cleaning
after the last session may run past them, as it may run past the end of working hours.
"""

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC


@dataclass(frozen=True, slots=True)
class Hours:
    """A block of working time: weekly (``weekday`` set) or on one ``date``."""

    practitioner_id: int
    start: dt.time
    end: dt.time
    weekday: int | None = None
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True, slots=True)
class Booking:
    practitioner_id: int
    room_id: int
    start: dt.datetime
    occupied_until: dt.datetime


@dataclass(frozen=True)
class Schedule:
    """Everything the engine needs about one location for a window of days."""

    zone: ZoneInfo
    practitioner_ids: tuple[int, ...]
    room_ids: tuple[int, ...]
    hours: tuple[Hours, ...] = ()
    time_off: tuple[tuple[int, Period], ...] = ()
    closures: tuple[Period, ...] = ()
    bookings: tuple[Booking, ...] = ()


@dataclass(frozen=True)
class Rules:
    duration: dt.timedelta
    buffer: dt.timedelta
    interval_minutes: int
    earliest: dt.datetime  # now plus the minimum notice
    latest: dt.datetime  # now plus the booking horizon; no session may start after it


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    start: dt.datetime
    practitioner_id: int
    end: dt.datetime = field(compare=False)
    room_id: int = field(compare=False)


class _Intervals:
    """Disjoint, sorted intervals answering "does [start, end) touch any of you?"."""

    __slots__ = ("ends", "starts")

    def __init__(self, intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> None:
        merged: list[list[dt.datetime]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        # The first interval ending after `start` is the only one that can overlap.
        i = bisect_right(self.ends, start)
        return i < len(self.starts) and self.starts[i] < end


def local_instant(day: dt.date, wall: dt.time, zone: ZoneInfo) -> dt.datetime | None:
    """The UTC instant of a wall-clock time, or None if that time does not exist that day."""
    aware = dt.datetime.combine(day, wall, tzinfo=zone)  # fold=0: first of two, if repeated
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != aware.replace(tzinfo=None):
        return None
    return instant


def _block_edge(day: dt.date, wall: dt.time, zone: ZoneInfo) -> dt.datetime:
    """Like local_instant, but a block edge in the gap is the moment the clocks jump over it:
    from then on the wall clock reads later than the edge."""
    instant = local_instant(day, wall, zone)
    if instant is not None:
        return instant
    # Read at the offset after the jump, a missing time lands before the jump; walk up to it.
    instant = dt.datetime.combine(day, wall, tzinfo=zone).replace(fold=1).astimezone(UTC)
    instant = instant.replace(second=0, microsecond=0)
    offset_before = instant.astimezone(zone).utcoffset()
    while instant.astimezone(zone).utcoffset() == offset_before:
        instant += dt.timedelta(minutes=1)
    return instant


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    for offset in range((last - first).days + 1):
        yield first + dt.timedelta(days=offset)


def _minutes(wall: dt.time) -> int:
    return wall.hour * 60 + wall.minute + (1 if wall.second or wall.microsecond else 0)


def _merge_wall_clock(blocks: list[Hours]) -> list[tuple[dt.time, dt.time]]:
    """Join blocks that overlap or touch, so a session may run from one into the next."""
    merged: list[list[dt.time]] = []
    for start, end in sorted((block.start, block.end) for block in blocks):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


class _Diary:
    """The schedule indexed for quick overlap questions."""

    def __init__(self, schedule: Schedule) -> None:
        self.zone = schedule.zone
        self.weekly: dict[tuple[int, int], list[Hours]] = defaultdict(list)
        self.dated: dict[tuple[int, dt.date], list[Hours]] = defaultdict(list)
        for block in schedule.hours:
            if block.date is not None:
                self.dated[block.practitioner_id, block.date].append(block)
            elif block.weekday is not None:
                self.weekly[block.practitioner_id, block.weekday].append(block)
        closures = [(p.start, p.end) for p in schedule.closures]
        away: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for practitioner_id, period in schedule.time_off:
            away[practitioner_id].append((period.start, period.end))
        booked: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        room_booked: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        for booking in schedule.bookings:
            booked[booking.practitioner_id].append((booking.start, booking.occupied_until))
            room_booked[booking.room_id].append((booking.start, booking.occupied_until))
        self.unavailable = {
            pid: _Intervals(closures + away[pid]) for pid in schedule.practitioner_ids
        }
        self.busy = {pid: _Intervals(booked[pid]) for pid in schedule.practitioner_ids}
        self.rooms = {rid: _Intervals(room_booked[rid]) for rid in sorted(schedule.room_ids)}
        self._grids: dict[tuple, list[tuple[dt.datetime, dt.datetime]]] = {}

    def grid(
        self, practitioner_id: int, day: dt.date, interval: int
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Each grid start inside the practitioner's hours that day, with its block's end."""
        blocks = self.weekly[practitioner_id, day.weekday()] + self.dated[practitioner_id, day]
        merged = tuple(_merge_wall_clock(blocks))
        # Colleagues mostly share their hours: each day's grid is worked out once.
        key = (day, merged, interval)
        if key not in self._grids:
            self._grids[key] = list(self._grid(day, merged, interval))
        return self._grids[key]

    def _grid(
        self, day: dt.date, merged: tuple[tuple[dt.time, dt.time], ...], interval: int
    ) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        for block_start, block_stop in merged:
            block_end = _block_edge(day, block_stop, self.zone)
            first_minute = -(-_minutes(block_start) // interval) * interval
            for minute in range(first_minute, _minutes(block_stop), interval):
                start = local_instant(day, dt.time(minute // 60, minute % 60), self.zone)
                if start is not None:
                    yield start, block_end

    def free_room(
        self, start: dt.datetime, occupied_until: dt.datetime, room_id: int | None = None
    ) -> int | None:
        """The first free room (by id), or whether `room_id` is free."""
        candidates = self.rooms if room_id is None else [room_id]
        return next(
            (
                rid
                for rid in candidates
                if rid in self.rooms and not self.rooms[rid].overlaps(start, occupied_until)
            ),
            None,
        )


def working_intervals(
    schedule: Schedule, first_day: dt.date, last_day: dt.date
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Each practitioner's working time on local dates first_day..last_day, as UTC
    intervals, less time off and closures: the time they could have been booked."""
    diary = _Diary(schedule)
    away_by: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for practitioner_id, period in schedule.time_off:
        away_by[practitioner_id].append((period.start, period.end))
    closures = [(p.start, p.end) for p in schedule.closures]
    working: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for practitioner_id in schedule.practitioner_ids:
        blocks = []
        for day in _days(first_day, last_day):
            hours = diary.weekly[practitioner_id, day.weekday()]
            hours = hours + diary.dated[practitioner_id, day]
            for start, stop in _merge_wall_clock(hours):
                begin = _block_edge(day, start, schedule.zone)
                end = _block_edge(day, stop, schedule.zone)
                if end > begin:
                    blocks.append((begin, end))
        working[practitioner_id] = subtract(blocks, closures + away_by[practitioner_id])
    return working


def subtract(
    intervals: list[tuple[dt.datetime, dt.datetime]],
    removed: list[tuple[dt.datetime, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime]]:
    """``intervals`` less every moment in ``removed``."""
    gone = _Intervals(removed)
    result: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        cursor = start
        for gone_start, gone_end in zip(gone.starts, gone.ends, strict=True):
            if gone_end <= cursor or gone_start >= end:
                continue
            if gone_start > cursor:
                result.append((cursor, gone_start))
            cursor = max(cursor, gone_end)
        if cursor < end:
            result.append((cursor, end))
    return result


def free_slots(
    schedule: Schedule, rules: Rules, first_day: dt.date, last_day: dt.date
) -> list[Slot]:
    """Every free (start, practitioner) with a free room, on local dates first_day..last_day."""
    diary = _Diary(schedule)
    if not diary.rooms:
        return []
    slots: list[Slot] = []
    for practitioner_id in schedule.practitioner_ids:
        unavailable, busy = diary.unavailable[practitioner_id], diary.busy[practitioner_id]
        for day in _days(first_day, last_day):
            for start, block_end in diary.grid(practitioner_id, day, rules.interval_minutes):
                end = start + rules.duration
                if end > block_end or start < rules.earliest or start > rules.latest:
                    continue
                occupied_until = end + rules.buffer
                if unavailable.overlaps(start, end) or busy.overlaps(start, occupied_until):
                    continue
                room_id = diary.free_room(start, occupied_until)
                if room_id is not None:
                    slots.append(Slot(start, practitioner_id, end=end, room_id=room_id))
    slots.sort()
    return slots


def slot_at(
    schedule: Schedule,
    rules: Rules,
    start: dt.datetime,
    practitioner_id: int,
    *,
    room_id: int | None = None,
    within_hours: bool = True,
) -> Slot | None:
    """The slot at `start` with this practitioner (and room, if given), or None if taken.

    `within_hours=False` is the front desk's override: working hours, time off and
    closures are set aside, but never another appointment or a taken room.
    """
    if practitioner_id not in schedule.practitioner_ids:
        return None
    diary = _Diary(schedule)
    end = start + rules.duration
    occupied_until = end + rules.buffer
    if start < rules.earliest or start > rules.latest:
        return None
    if within_hours:
        day = start.astimezone(schedule.zone).date()
        grid = dict(diary.grid(practitioner_id, day, rules.interval_minutes))
        if start not in grid or end > grid[start]:
            return None
        if diary.unavailable[practitioner_id].overlaps(start, end):
            return None
    if diary.busy[practitioner_id].overlaps(start, occupied_until):
        return None
    chosen_room = diary.free_room(start, occupied_until, room_id)
    if chosen_room is None:
        return None
    return Slot(start, practitioner_id, end=end, room_id=chosen_room)


def slots_by_start(slots: Iterable[Slot]) -> dict[dt.datetime, list[Slot]]:
    """Group slots by start time: the "any practitioner" view of availability."""
    grouped: dict[dt.datetime, list[Slot]] = {}
    for slot in slots:
        grouped.setdefault(slot.start, []).append(slot)
    return grouped


def least_loaded(candidates: list[Slot], schedule: Schedule) -> Slot:
    """Of several practitioners free at one time, the one with the fewest booked minutes
    that local day (ties: the lowest id, so the choice is repeatable)."""
    if not candidates:
        raise ValueError("least_loaded needs at least one candidate slot")
    zone = schedule.zone
    day = candidates[0].start.astimezone(zone).date()
    load: dict[int, float] = defaultdict(float)
    for booking in schedule.bookings:
        if booking.start.astimezone(zone).date() == day:
            load[booking.practitioner_id] += (
                booking.occupied_until - booking.start
            ).total_seconds()
    return min(candidates, key=lambda slot: (load[slot.practitioner_id], slot.practitioner_id))


# Slot times travel in URLs as compact UTC: 20270111T0900Z.
START_FORMAT = "%Y%m%dT%H%MZ"
# A start a URL carries must lie a year inside Python's dates: near year 1 or 9999 turning
# a UTC instant into local time overflows. The booking rules then apply the real bounds
# (the past, the horizon) with their own messages.
EARLIEST_DAY = dt.date(2, 1, 1)
LATEST_DAY = dt.date(9998, 12, 31)


def within_bounds(day: dt.date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def format_start(start: dt.datetime) -> str:
    return start.astimezone(dt.UTC).strftime(START_FORMAT)


def parse_start(value: str) -> dt.datetime | None:
    """The start a URL or a form carries, or None if it is not one (or out of bounds)."""
    try:
        start = dt.datetime.strptime(value, START_FORMAT).replace(tzinfo=dt.UTC)
    except (TypeError, ValueError):
        return None
    return start if within_bounds(start.date()) else None
