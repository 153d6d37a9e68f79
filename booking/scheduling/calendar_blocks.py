"""What the front desk's calendars are made of: the grid's geometry and the things placed
on it (columns, appointment blocks, free cells, shades, hour labels), each carrying its
position as class names; built by ``booking.scheduling.calendar``."""

import datetime as dt
from dataclasses import dataclass, field

from booking.models import Appointment, AppointmentStatus, Practitioner, WaitlistEntry
from booking.scheduling.availability import format_start
from clinic.models import Location

ROW_MINUTES = 5
# Sessions still to come on the day: the ones whose re-check the calendar flags.
BEFORE = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)
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
    recheck_due: bool = False  # today's session without its safety re-check yet
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
    # The "now" line: one placement (row and column classes) per column showing today.
    now_line: list[str] = field(default_factory=list)
