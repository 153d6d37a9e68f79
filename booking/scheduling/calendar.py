"""Reads for the front desk's calendars: a location's day (one column per practitioner) and
one practitioner's week (one column per day).

Both load in a fixed number of queries, however many appointments there are, and place
everything on a CSS grid of 5-minute rows in the location's wall-clock time. Positions
are computed here and travel as class names (``cal-r``/``cal-s``/``cal-c``): the strict
CSP forbids style attributes.

Free time comes from the availability engine itself (``free_slots`` with a one-interval
"session" and no buffer), so a free cell means what a booking would find: the practitioner
is working, not away, not booked, and a room is free.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from booking.models import (
    RELEASED_STATUSES,
    Appointment,
    AppointmentSource,
    BookingPolicy,
    Practitioner,
    WaitlistEntry,
)
from booking.scheduling import availability
from booking.scheduling.calendar_blocks import (
    BEFORE,
    DAY_MINUTES,
    DEFAULT_FIRST_MINUTE,
    DEFAULT_LAST_MINUTE,
    FIRST_COLUMN,
    FIRST_ROW,
    ROW_MINUTES,
    AppointmentBlock,
    Calendar,
    Column,
    FreeCell,
    Freed,
    HourLabel,
    Shade,
)
from booking.scheduling.rules import booking_rules
from booking.scheduling.schedule import load_schedule
from booking.selectors import waitlist
from clinic.models import Location
from patients.clinical.reads import rechecks_pending
from patients.selectors import intake_statuses


@dataclass
class _Loaded:
    practitioners: dict[int, Practitioner]
    schedule: availability.Schedule
    appointments: list[Appointment]
    waiting: list[WaitlistEntry]
    policy: BookingPolicy


def _load(
    *, location: Location, first_day: dt.date, last_day: dt.date, practitioner_id: int | None
) -> _Loaded:
    """Seven queries, whatever the number of days, practitioners or appointments (eight
    with intake statuses)."""
    loaded = load_schedule(  # queries 1 to 5
        location=location,
        first_day=first_day,
        last_day=last_day,
        practitioner_id=practitioner_id,
        with_appointments=True,
    )
    # Query 6: waitlist entries that could take time freed here in the window.
    waiting = list(waitlist.waiting_on(location=location, first_day=first_day, last_day=last_day))
    policy = BookingPolicy.load()  # query 7: the slot interval
    return _Loaded(
        loaded.practitioners, loaded.schedule, list(loaded.appointments), waiting, policy
    )


def _wall_minute(instant: dt.datetime, day: dt.date, zone: ZoneInfo) -> int:
    """Minutes after local midnight of `day`, clamped to the day."""
    local = instant.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def _working_blocks(
    hours: Sequence[availability.Hours], practitioner_id: int, day: dt.date
) -> list[tuple[int, int]]:
    minutes = [
        (h.start.hour * 60 + h.start.minute, h.end.hour * 60 + h.end.minute)
        for h in hours
        if h.practitioner_id == practitioner_id
        and (h.date == day or (h.date is None and h.weekday == day.weekday()))
    ]
    return sorted(minutes)


class _Grid:
    """Wall-clock minutes of one day to grid rows, over the range shown."""

    def __init__(self, first_minute: int, last_minute: int) -> None:
        self.first = first_minute // 60 * 60
        self.last = min(DAY_MINUTES, -(-last_minute // 60) * 60)

    def place(self, start_minute: int, end_minute: int) -> tuple[int, int] | None:
        start, end = max(start_minute, self.first), min(end_minute, self.last)
        if end <= start:
            return None
        row = FIRST_ROW + (start - self.first) // ROW_MINUTES
        span = max(1, -(-(end - start) // ROW_MINUTES))
        return row, span


@dataclass
class _Layout:
    """Where things go: the grid columns by (practitioner, local day), in the location's zone."""

    zone: ZoneInfo
    index: dict[tuple[int, dt.date], int]

    @classmethod
    def of(cls, columns: list[Column], zone: ZoneInfo) -> "_Layout":
        return cls(
            zone, {(c.practitioner.pk, c.day): n for n, c in enumerate(columns, FIRST_COLUMN)}
        )

    def column_of(self, practitioner_id: int, instant: dt.datetime) -> tuple[int, dt.date] | None:
        """The grid column and local day of a practitioner's instant, if it is shown."""
        day = instant.astimezone(self.zone).date()
        n = self.index.get((practitioner_id, day))
        return (n, day) if n else None

    def minute(self, instant: dt.datetime, day: dt.date) -> int:
        return _wall_minute(instant, day, self.zone)


# An appointment shown here, with its grid column and local day.
_Shown = tuple[Appointment, int, dt.date]


def _shown_appointments(loaded: _Loaded, location: Location, layout: _Layout) -> list[_Shown]:
    """The appointments at this location that fall in one of the columns."""
    shown: list[_Shown] = []
    for a in loaded.appointments:
        if a.location_id == location.pk and (where := layout.column_of(a.practitioner_id, a.start)):
            shown.append((a, *where))
    return shown


def _grid_for(
    columns: list[Column], hours: Sequence[availability.Hours], shown: list[_Shown], layout: _Layout
) -> _Grid:
    """The range shown: the default day, widened to every working block and appointment.
    Marks the columns whose practitioner works that day."""
    first, last = DEFAULT_FIRST_MINUTE, DEFAULT_LAST_MINUTE
    for column in columns:
        for start, end in _working_blocks(hours, column.practitioner.pk, column.day):
            column.working = True
            first, last = min(first, start), max(last, end)
    for a, _, day in shown:
        first = min(first, layout.minute(a.start, day))
        last = max(last, layout.minute(a.end, day))
    return _Grid(first, last)


def _now_line(columns: list[Column], grid: _Grid, zone: ZoneInfo, now: dt.datetime) -> list[str]:
    """Where the "now" line goes: the row of the current 5 minutes in each column that
    shows today, if that time is within the hours shown."""
    today = now.astimezone(zone).date()
    minute = _wall_minute(now, today, zone)
    placed = grid.place(minute, minute + 1)
    if placed is None:
        return []
    row, _ = placed
    return [f"cal-r{row} cal-c{n}" for n, c in enumerate(columns, FIRST_COLUMN) if c.day == today]


def _hour_labels(grid: _Grid) -> list[HourLabel]:
    labels = []
    for minute in range(grid.first, grid.last, 60):
        if placed := grid.place(minute, minute + 60):
            labels.append(HourLabel(1, *placed, label=f"{minute // 60:02d}:00"))
    return labels


def _column_shades(
    n: int, column: Column, schedule: availability.Schedule, grid: _Grid, layout: _Layout
) -> list[Shade]:
    """A column's working hours, then its practitioner's time off and the closures."""
    pid, day = column.practitioner.pk, column.day
    shades = []
    for start, end in _working_blocks(schedule.hours, pid, day):
        if placed := grid.place(start, end):
            shades.append(Shade(n, *placed, kind="hours"))
    periods = [("off", p) for owner, p in schedule.time_off if owner == pid]
    periods += [("closed", p) for p in schedule.closures]
    for kind, period in periods:
        if placed := grid.place(layout.minute(period.start, day), layout.minute(period.end, day)):
            label = "Time off" if kind == "off" else "Closed"
            shades.append(Shade(n, *placed, kind=kind, label=label))
    return shades


def _appointment_block(
    shown: _Shown, intake: str, grid: _Grid, layout: _Layout
) -> AppointmentBlock | None:
    a, n, day = shown
    start_minute = layout.minute(a.start, day)
    # When the clocks go back, a session in the repeated hour can end at or before the
    # wall-clock time it starts: it still gets a block, one row tall.
    end_minute = max(layout.minute(a.end, day), start_minute + ROW_MINUTES)
    placed = grid.place(start_minute, end_minute)
    if placed is None:
        return None
    return AppointmentBlock(
        n,
        *placed,
        appointment=a,
        intake=intake,
        local_start=a.start.astimezone(layout.zone),
        local_end=a.end.astimezone(layout.zone),
    )


def _place_appointments(
    calendar: Calendar, shown: list[_Shown], grid: _Grid, layout: _Layout, *, now: dt.datetime
) -> None:
    """Blocks for the appointments kept, with each patient's intake status (one query)
    and, when today is shown, whether the session still needs its safety re-check (one
    more query, patients.clinical.reads.rechecks_pending); the cancelled ones go to the
    list beside the grid."""
    patient_ids = {a.patient_id for a, _, _ in shown}
    intake = intake_statuses(list(patient_ids)) if patient_ids else {}
    today = now.astimezone(layout.zone).date()
    due = rechecks_pending(a.pk for a, _, day in shown if day == today and a.status in BEFORE)
    for item in shown:
        a = item[0]
        if a.status in RELEASED_STATUSES:
            calendar.cancelled.append(a)
        elif block := _appointment_block(item, intake.get(a.patient_id, ""), grid, layout):
            block.recheck_due = a.pk in due
            calendar.blocks.append(block)


def _waitlist_for(
    a: Appointment, waiting: list[WaitlistEntry], location: Location
) -> list[WaitlistEntry]:
    """The waitlist entries that could take a cancelled appointment's time."""
    return [
        e
        for e in waiting
        # Not the patient who has just given this time up.
        if e.patient_id != a.patient_id
        and waitlist.entry_matches(
            e,
            service_id=a.service_id,
            location=location,
            practitioner_id=a.practitioner_id,
            start=a.start,
        )
    ]


def _place_freed(
    calendar: Calendar, waiting: list[WaitlistEntry], now: dt.datetime
) -> dict[tuple[int, dt.datetime], int]:
    """Time freed by cancellations still to come, with the waitlist entries that fit it.
    Returns how many entries fit each (practitioner, start)."""
    freed_at: dict[tuple[int, dt.datetime], int] = defaultdict(int)
    for a in calendar.cancelled:
        if a.start <= now:
            continue
        entries = _waitlist_for(a, waiting, calendar.location)
        calendar.freed.append(Freed(a, a.start.astimezone(calendar.location.zone), entries))
        freed_at[a.practitioner_id, a.start] += len(entries)
    return freed_at


def _free_cells(
    loaded: _Loaded,
    *,
    first_day: dt.date,
    last_day: dt.date,
    now: dt.datetime,
    grid: _Grid,
    layout: _Layout,
    freed_at: dict[tuple[int, dt.datetime], int],
) -> list[FreeCell]:
    """The engine's free slots, one grid step each, marked with the waitlist they could serve."""
    interval = loaded.policy.slot_interval_minutes
    rules = booking_rules(policy=loaded.policy, now=now, source=AppointmentSource.FRONT_DESK)
    cells = []
    for slot in availability.free_slots(loaded.schedule, rules, first_day, last_day):
        where = layout.column_of(slot.practitioner_id, slot.start)
        if where is None:
            continue
        n, day = where
        minute = layout.minute(slot.start, day)
        if placed := grid.place(minute, minute + interval):
            cells.append(
                FreeCell(
                    n,
                    *placed,
                    practitioner_id=slot.practitioner_id,
                    start=slot.start,
                    local_start=slot.start.astimezone(layout.zone),
                    waitlist=freed_at.get((slot.practitioner_id, slot.start), 0),
                )
            )
    return cells


def _build(
    loaded: _Loaded,
    *,
    location: Location,
    first_day: dt.date,
    last_day: dt.date,
    columns: list[Column],
    now: dt.datetime,
) -> Calendar:
    calendar = Calendar(
        location=location,
        first_day=first_day,
        last_day=last_day,
        columns=columns,
        interval_minutes=loaded.policy.slot_interval_minutes,
    )
    if not columns:
        return calendar
    layout = _Layout.of(columns, location.zone)
    shown = _shown_appointments(loaded, location, layout)
    grid = _grid_for(columns, loaded.schedule.hours, shown, layout)
    calendar.hours = _hour_labels(grid)
    calendar.now_line = _now_line(columns, grid, location.zone, now)
    for n, column in enumerate(columns, FIRST_COLUMN):
        calendar.shades += _column_shades(n, column, loaded.schedule, grid, layout)
    _place_appointments(calendar, shown, grid, layout, now=now)
    freed_at = _place_freed(calendar, loaded.waiting, now)
    calendar.free = _free_cells(
        loaded,
        first_day=first_day,
        last_day=last_day,
        now=now,
        grid=grid,
        layout=layout,
        freed_at=freed_at,
    )
    return calendar


def day_calendar(*, location: Location, day: dt.date, now: dt.datetime) -> Calendar:
    """One column per practitioner working here that day (or with an appointment here)."""
    loaded = _load(location=location, first_day=day, last_day=day, practitioner_id=None)
    # The hours loaded are this day's only.
    working = {h.practitioner_id for h in loaded.schedule.hours}
    booked = {
        a.practitioner_id: a.practitioner
        for a in loaded.appointments
        if a.location_id == location.pk and a.start.astimezone(location.zone).date() == day
    }
    people = {**booked, **{pid: loaded.practitioners[pid] for pid in working}}
    ordered = sorted(people.values(), key=lambda p: (p.name.lower(), p.pk))
    columns = [Column(p, day, css=f"cal-c{n}") for n, p in enumerate(ordered, FIRST_COLUMN)]
    return _build(loaded, location=location, first_day=day, last_day=day, columns=columns, now=now)


def week_calendar(
    *, location: Location, practitioner: Practitioner, monday: dt.date, now: dt.datetime
) -> Calendar:
    """One practitioner's week here, Monday to Sunday, one column per day."""
    sunday = monday + dt.timedelta(days=6)
    loaded = _load(
        location=location, first_day=monday, last_day=sunday, practitioner_id=practitioner.pk
    )
    columns = [
        Column(practitioner, monday + dt.timedelta(n), css=f"cal-c{n + FIRST_COLUMN}")
        for n in range(7)
    ]
    return _build(
        loaded, location=location, first_day=monday, last_day=sunday, columns=columns, now=now
    )
