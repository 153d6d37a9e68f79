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
from dataclasses import dataclass, field

from booking.models import (
    RELEASED_STATUSES,
    Appointment,
    AppointmentSource,
    BookingPolicy,
    Practitioner,
    WaitlistEntry,
)
from booking.scheduling import availability
from booking.scheduling.availability import format_start
from booking.scheduling.rules import booking_rules
from booking.scheduling.schedule import load_schedule
from booking.selectors import waitlist
from clinic.models import Location
from patients.selectors import intake_statuses

ROW_MINUTES = 5
DAY_MINUTES = 24 * 60
# The hours shown when nothing that day starts earlier or ends later.
DEFAULT_FIRST_MINUTE = 8 * 60
DEFAULT_LAST_MINUTE = 18 * 60
# Grid row 1 holds the column headings; column 1 the times.
FIRST_ROW = 2
FIRST_COLUMN = 2


@dataclass
class Column:
    practitioner: Practitioner
    day: dt.date
    css: str
    working: bool = False


@dataclass
class Placed:
    """Anything drawn on the grid: its position as class names."""

    column: int
    row: int
    span: int

    @property
    def css(self) -> str:
        return f"cal-c{self.column} cal-r{self.row} cal-s{self.span}"


@dataclass(kw_only=True)
class AppointmentBlock(Placed):
    appointment: Appointment
    intake: str = ""
    local_start: dt.datetime
    local_end: dt.datetime


@dataclass(kw_only=True)
class FreeCell(Placed):
    practitioner_id: int
    start: dt.datetime
    local_start: dt.datetime
    waitlist: int = 0  # matching waitlist entries for time freed here

    @property
    def start_param(self) -> str:
        return format_start(self.start)


@dataclass
class Shade(Placed):
    kind: str = ""  # "hours", "off" or "closed"
    label: str = ""


@dataclass
class HourLabel(Placed):
    label: str = ""


@dataclass
class Freed:
    """A cancelled upcoming appointment and the waitlist entries that could take its time."""

    appointment: Appointment
    local_start: dt.datetime
    entries: list[WaitlistEntry]

    @property
    def start_param(self) -> str:
        return format_start(self.appointment.start)


@dataclass
class Calendar:
    location: Location
    first_day: dt.date
    last_day: dt.date
    columns: list[Column]
    hours: list[HourLabel] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    free: list[FreeCell] = field(default_factory=list)
    blocks: list[AppointmentBlock] = field(default_factory=list)
    freed: list[Freed] = field(default_factory=list)
    cancelled: list[Appointment] = field(default_factory=list)
    interval_minutes: int = 15


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


def _wall_minute(instant: dt.datetime, day: dt.date, zone) -> int:
    """Minutes after local midnight of `day`, clamped to the day."""
    local = instant.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def _working_blocks(hours, practitioner_id: int, day: dt.date) -> list[tuple[int, int]]:
    minutes = [
        (h.start.hour * 60 + h.start.minute, h.end.hour * 60 + h.end.minute)
        for h in hours
        if h.practitioner_id == practitioner_id
        and (h.date == day or (h.date is None and h.weekday == day.weekday()))
    ]
    return sorted(minutes)


class _Grid:
    """Wall-clock minutes of one day to grid rows, over the range shown."""

    def __init__(self, first_minute: int, last_minute: int):
        self.first = first_minute // 60 * 60
        self.last = min(DAY_MINUTES, -(-last_minute // 60) * 60)

    def place(self, start_minute: int, end_minute: int) -> tuple[int, int] | None:
        start, end = max(start_minute, self.first), min(end_minute, self.last)
        if end <= start:
            return None
        row = FIRST_ROW + (start - self.first) // ROW_MINUTES
        span = max(1, -(-(end - start) // ROW_MINUTES))
        return row, span


def _build(
    loaded: _Loaded,
    *,
    location: Location,
    first_day: dt.date,
    last_day: dt.date,
    columns: list[Column],
    now: dt.datetime,
) -> Calendar:
    zone = location.zone
    calendar = Calendar(
        location=location,
        first_day=first_day,
        last_day=last_day,
        columns=columns,
        interval_minutes=loaded.policy.slot_interval_minutes,
    )
    if not columns:
        return calendar
    index = {(c.practitioner.pk, c.day): n for n, c in enumerate(columns, FIRST_COLUMN)}
    schedule = loaded.schedule

    def column_of(practitioner_id: int, instant: dt.datetime) -> tuple[int, dt.date] | None:
        day = instant.astimezone(zone).date()
        n = index.get((practitioner_id, day))
        return (n, day) if n else None

    # The appointments here, each with its grid column and local day.
    shown: list[tuple[Appointment, int, dt.date]] = []
    for a in loaded.appointments:
        if a.location_id == location.pk and (where := column_of(a.practitioner_id, a.start)):
            shown.append((a, *where))
    # The range shown: the default day, widened to every working block and appointment.
    first, last = DEFAULT_FIRST_MINUTE, DEFAULT_LAST_MINUTE
    for column in columns:
        for start, end in _working_blocks(schedule.hours, column.practitioner.pk, column.day):
            column.working = True
            first, last = min(first, start), max(last, end)
    for a, _, day in shown:
        first = min(first, _wall_minute(a.start, day, zone))
        last = max(last, _wall_minute(a.end, day, zone))
    grid = _Grid(first, last)

    for minute in range(grid.first, grid.last, 60):
        if placed := grid.place(minute, minute + 60):
            calendar.hours.append(HourLabel(1, *placed, label=f"{minute // 60:02d}:00"))

    for n, column in enumerate(columns, FIRST_COLUMN):
        pid, day = column.practitioner.pk, column.day
        for start, end in _working_blocks(schedule.hours, pid, day):
            if placed := grid.place(start, end):
                calendar.shades.append(Shade(n, *placed, kind="hours"))
        periods = [("off", p) for owner, p in schedule.time_off if owner == pid]
        periods += [("closed", p) for p in schedule.closures]
        for kind, period in periods:
            placed = grid.place(
                _wall_minute(period.start, day, zone), _wall_minute(period.end, day, zone)
            )
            if placed:
                label = "Time off" if kind == "off" else "Closed"
                calendar.shades.append(Shade(n, *placed, kind=kind, label=label))

    patient_ids = {a.patient_id for a, _, _ in shown}
    intake = intake_statuses(list(patient_ids)) if patient_ids else {}
    for a, n, day in shown:
        if a.status in RELEASED_STATUSES:
            calendar.cancelled.append(a)
            continue
        start_minute = _wall_minute(a.start, day, zone)
        # When the clocks go back, a session in the repeated hour can end at or before the
        # wall-clock time it starts: it still gets a block, one row tall.
        end_minute = max(_wall_minute(a.end, day, zone), start_minute + ROW_MINUTES)
        if placed := grid.place(start_minute, end_minute):
            calendar.blocks.append(
                AppointmentBlock(
                    n,
                    *placed,
                    appointment=a,
                    intake=intake.get(a.patient_id, ""),
                    local_start=a.start.astimezone(zone),
                    local_end=a.end.astimezone(zone),
                )
            )

    # Time freed by cancellations still to come, with the waitlist entries that fit it.
    freed_at: dict[tuple[int, dt.datetime], int] = defaultdict(int)
    for a in calendar.cancelled:
        if a.start <= now:
            continue
        entries = [
            e
            for e in loaded.waiting
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
        calendar.freed.append(Freed(a, a.start.astimezone(zone), entries))
        freed_at[a.practitioner_id, a.start] += len(entries)

    interval = loaded.policy.slot_interval_minutes
    rules = booking_rules(policy=loaded.policy, now=now, source=AppointmentSource.FRONT_DESK)
    for slot in availability.free_slots(schedule, rules, first_day, last_day):
        where = column_of(slot.practitioner_id, slot.start)
        if where is None:
            continue
        n, day = where
        minute = _wall_minute(slot.start, day, zone)
        if placed := grid.place(minute, minute + interval):
            calendar.free.append(
                FreeCell(
                    n,
                    *placed,
                    practitioner_id=slot.practitioner_id,
                    start=slot.start,
                    local_start=slot.start.astimezone(zone),
                    waitlist=freed_at.get((slot.practitioner_id, slot.start), 0),
                )
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
