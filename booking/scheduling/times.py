"""What the patient's booking pages show, each computing only the days it shows.

The day page shows one day's free times, a week strip of counts, and (for a day without
times) the next day with one; the month view shows which days of a month have times.
Each asks the engine about its own days, so a page costs the same whatever the booking
horizon: the next free day is searched in chunks of days, stopping at the first chunk
with a time. What they read and compute is cached against the location's schedule
version (decision 0031): a page seen before since the last change costs one query, and
after a booking two (the version, the appointments).
"""

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.core.cache import caches

from booking.models import Practitioner, Service, Version
from booking.scheduling import availability
from booking.scheduling.schedule import Hold, LoadedSchedule, Setup, load_schedule, load_setup
from clinic.models import Location

WEEK_DAYS = 7
OPEN_START = dt.datetime.min.replace(tzinfo=dt.UTC)
OPEN_END = dt.datetime.max.replace(tzinfo=dt.UTC)
# How many days each further step of the next-free-day search reads (one schedule load).
SEARCH_CHUNK_DAYS = 28


@dataclass(frozen=True)
class Question:
    """Whose free times, for which service where, seen by which visitor at which moment."""

    service: Service
    location: Location
    practitioners: list[Practitioner]  # those offering the service here, or the one chosen
    rules: availability.Rules
    hold_token: str | None
    now: dt.datetime
    # The location's schedule version, read before anything else the page shows; with
    # it, schedules are cached against it (decision 0031). None: read afresh.
    version: Version | None = None
    # The appointment being moved (the reschedule page): its own time does not count as
    # taken, so it may move by a few minutes. Such a question is read afresh.
    moving_id: int | None = None


@dataclass(frozen=True)
class DayPage:
    times: list[dt.datetime]
    week: list[tuple[dt.date, int]]  # the day and the six after it (up to the last day)
    next_day: dt.date | None  # the first later day with a time, when this day has none


@dataclass(frozen=True)
class MonthDay:
    date: dt.date
    in_month: bool
    times: int  # free start times; 0 for days outside the month or the bookable range


@dataclass(frozen=True)
class OpenWindow:
    """What the cache keeps for a run of days: the free starts with no notice, no horizon
    and no holds, and the holds live when it was read (small, so quick to take out)."""

    starts: list[dt.datetime]
    holds: tuple[Hold, ...]


def free_starts(
    question: Question, first_day: dt.date, last_day: dt.date
) -> dict[dt.date, list[dt.datetime]]:
    """Each local day from first_day to last_day that has a free start (with anyone
    asked about), with its sorted start instants: one schedule load, one engine pass.

    Cached (with ``question.version``): when nobody else's hold is in these days, the
    open starts cut to the visitor's notice and horizon (the engine only filters starts
    by the two); when someone's is, the engine runs on the cached schedule."""
    if question.version is None or question.moving_id is not None:
        starts = _starts(question, _load(question, first_day, last_day), first_day, last_day)
    else:
        window = _open_window(question, first_day, last_day)
        if any(
            h.expires_at > question.now and h.token != question.hold_token for h in window.holds
        ):
            loaded = _cached(question, "schedule", first_day, last_day, _load)
            starts = _starts(question, loaded, first_day, last_day)
        else:
            rules = question.rules
            starts = [s for s in window.starts if rules.earliest <= s <= rules.latest]
    by_day: dict[dt.date, list[dt.datetime]] = {}
    for start in starts:
        by_day.setdefault(start.astimezone(question.location.zone).date(), []).append(start)
    return by_day


def _starts(
    question: Question, loaded: LoadedSchedule, first_day: dt.date, last_day: dt.date
) -> list[dt.datetime]:
    """The sorted free starts, as the visitor sees the schedule at their moment."""
    schedule = loaded.seen_by(question.hold_token, question.now)
    slots = availability.free_slots(schedule, question.rules, first_day, last_day)
    return list(availability.slots_by_start(slots))


def _load(question: Question, first_day: dt.date, last_day: dt.date) -> LoadedSchedule:
    # A session on the last day may keep its room or practitioner past midnight (its
    # buffer), so read the day after too: a booking there can overlap it.
    last_read = last_day + dt.timedelta(days=1)
    setup = None
    if question.version is not None and question.moving_id is None:
        # What staff edit, from the cache while the setup version holds: after a booking
        # only the appointments are read again.
        setup = _cached(question, "setup", first_day, last_read, _read_setup)
    loaded = load_schedule(
        service=question.service,
        location=question.location,
        first_day=first_day,
        last_day=last_read,
        exclude_appointment_id=question.moving_id,
        now=question.now,
        practitioners=question.practitioners,
        setup=setup,
    )
    # The practitioners' rows are the caller's, not the cache's to keep.
    return replace(loaded, practitioners={})


def _open_window(question: Question, first_day: dt.date, last_day: dt.date) -> OpenWindow:
    def compute(question: Question, first_day: dt.date, last_day: dt.date) -> OpenWindow:
        loaded = _load(question, first_day, last_day)
        if loaded.holds:  # a visitor may need the whole schedule: keep it for them
            caches["schedule"].set(_key(question, "schedule", first_day, last_day), loaded)
        rules = replace(question.rules, earliest=OPEN_START, latest=OPEN_END)
        schedule = replace(loaded.schedule, bookings=loaded.booked)
        slots = availability.free_slots(schedule, rules, first_day, last_day)
        return OpenWindow(starts=list(availability.slots_by_start(slots)), holds=loaded.holds)

    rules = question.rules
    duration, buffer = int(rules.duration.total_seconds()), int(rules.buffer.total_seconds())
    kind = f"open:{duration}:{buffer}:{rules.interval_minutes}"
    return _cached(question, kind, first_day, last_day, compute)


def _cached[T](
    question: Question,
    kind: str,
    first_day: dt.date,
    last_day: dt.date,
    compute: Callable[[Question, dt.date, dt.date], T],
) -> T:
    """``compute`` for these days, kept under the location's schedule version: an entry
    of an older version is never asked for again (decision 0031)."""
    key = _key(question, kind, first_day, last_day)
    cache = caches["schedule"]
    if (value := cache.get(key)) is None:
        value = compute(question, first_day, last_day)
        cache.set(key, value)
    return value


def _read_setup(question: Question, first_day: dt.date, last_day: dt.date) -> Setup:
    return load_setup(
        location=question.location,
        practitioner_ids=[p.pk for p in question.practitioners],
        first_day=first_day,
        last_day=last_day,
    )


def _key(question: Question, kind: str, first_day: dt.date, last_day: dt.date) -> str:
    """The entry's name: the setup alone is not changed by bookings; the rest is."""
    team = ",".join(str(p.pk) for p in question.practitioners)
    assert question.version is not None  # only cached questions are named
    location, setup, bookings = question.version
    version = setup if kind == "setup" else f"{setup}.{bookings}"
    return f"{kind}:{location}:{version}:{team}:{first_day}:{last_day}"


def next_free_day(question: Question, after: dt.date, last_day: dt.date) -> dt.date | None:
    """The first day after ``after`` (up to last_day) with a free time, read in chunks."""
    found = _first_free(question, after, last_day)
    return found[0] if found else None


def _first_free(
    question: Question, after: dt.date, last_day: dt.date
) -> tuple[dt.date, list[dt.datetime]] | None:
    first = after + dt.timedelta(days=1)
    while first <= last_day:
        last = min(first + dt.timedelta(days=SEARCH_CHUNK_DAYS - 1), last_day)
        if by_day := free_starts(question, first, last):
            return min(by_day.items())
        first = last + dt.timedelta(days=1)
    return None


def move_day(
    question: Question, day: dt.date, last_day: dt.date, *, find_first: bool
) -> tuple[dt.date, list[dt.datetime]]:
    """The reschedule page's day and its free times. With ``find_first`` (no day asked
    for) and nothing free on ``day``, the first later day with a time, up to last_day."""
    times = free_starts(question, day, day).get(day, [])
    if times or not find_first:
        return day, times
    return _first_free(question, day, last_day) or (day, [])


def day_page(question: Question, day: dt.date, last_day: dt.date) -> DayPage:
    """The day page: one engine pass over the day and its week; the search beyond the
    week runs only when the day has no times and neither has the rest of its week."""
    week_end = min(day + dt.timedelta(days=WEEK_DAYS - 1), last_day)
    by_day = free_starts(question, day, week_end)
    times = by_day.get(day, [])
    next_day = None
    if not times:
        next_day = min((d for d in by_day if d > day), default=None)
        if next_day is None:
            next_day = next_free_day(question, week_end, last_day)
    week = [day + dt.timedelta(days=n) for n in range((week_end - day).days + 1)]
    return DayPage(times=times, week=[(d, len(by_day.get(d, []))) for d in week], next_day=next_day)


def month_page(
    question: Question, month: dt.date, first_day: dt.date, last_day: dt.date
) -> tuple[list[list[MonthDay]], dict[dt.date, list[dt.datetime]]]:
    """The month view: its weeks (Monday first, with the neighbouring months' days to fill
    them) and the free starts of each bookable day of the month, in one engine pass."""
    weeks = calendar.Calendar().monthdatescalendar(month.year, month.month)
    month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    first, last = max(month, first_day), min(month_end, last_day)
    by_day = free_starts(question, first, last) if first <= last else {}
    grid = [
        [MonthDay(d, d.month == month.month, len(by_day.get(d, []))) for d in week]
        for week in weeks
    ]
    return grid, by_day
