"""What the patient's booking pages show, each computing only the days it shows.

The day page shows one day's free times, a week strip of counts, and (for a day without
times) the next day with one; the month view shows which days of a month have times.
Each asks the engine about its own days, so a page costs the same whatever the booking
horizon: the next free day is searched in chunks of days, stopping at the first chunk
with a time.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, replace

from django.core.cache import caches

from booking.models import Practitioner, Service
from booking.scheduling import availability
from booking.scheduling.schedule import LoadedSchedule, load_schedule
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
    version: str | None = None


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


def free_starts(
    question: Question, first_day: dt.date, last_day: dt.date
) -> dict[dt.date, list[dt.datetime]]:
    """Each local day from first_day to last_day that has a free start (with anyone
    asked about), with its sorted start instants: one schedule load, one engine pass."""
    loaded = _loaded(question, first_day, last_day)
    schedule = loaded.seen_by(question.hold_token, question.now)
    rules = question.rules
    if question.version is not None and len(schedule.bookings) == len(loaded.booked):
        # Nobody else's hold in these days: the engine's answer without notice and
        # horizon, cached, cut to them (the engine only filters starts by the two).
        open_starts = _open_starts(question, loaded, first_day, last_day)
        starts = [s for s in open_starts if rules.earliest <= s <= rules.latest]
    else:
        slots = availability.free_slots(schedule, rules, first_day, last_day)
        starts = list(availability.slots_by_start(slots))
    by_day: dict[dt.date, list[dt.datetime]] = {}
    for start in starts:
        by_day.setdefault(start.astimezone(question.location.zone).date(), []).append(start)
    return by_day


def _cache_key(question: Question, kind: str, first_day: dt.date, last_day: dt.date) -> str:
    team = ",".join(str(p.pk) for p in question.practitioners)
    location, version = question.location.pk, question.version
    return f"{kind}:{location}:{version}:{team}:{first_day}:{last_day}"


def _loaded(question: Question, first_day: dt.date, last_day: dt.date) -> LoadedSchedule:
    """The schedule for these days, every visitor's holds included: from the cache when
    the location's version has not changed since it was read."""

    def load() -> LoadedSchedule:
        # A session on the last day may keep its room or practitioner past midnight (its
        # buffer), so read the day after too: a booking there can overlap it.
        return load_schedule(
            service=question.service,
            location=question.location,
            first_day=first_day,
            last_day=last_day + dt.timedelta(days=1),
            now=question.now,
            practitioners=question.practitioners,
        )

    if question.version is None:
        return load()
    key = _cache_key(question, "schedule", first_day, last_day)
    cache = caches["schedule"]
    if (loaded := cache.get(key)) is None:
        # The practitioners' rows are the caller's, not the cache's to keep.
        loaded = replace(load(), practitioners={})
        cache.set(key, loaded)
    return loaded


def _open_starts(
    question: Question, loaded: LoadedSchedule, first_day: dt.date, last_day: dt.date
) -> list[dt.datetime]:
    """The sorted free starts of these days with no notice, no horizon and no holds."""
    rules = replace(question.rules, earliest=OPEN_START, latest=OPEN_END)
    duration, buffer = int(rules.duration.total_seconds()), int(rules.buffer.total_seconds())
    shape = f"{duration}:{buffer}:{rules.interval_minutes}"
    key = _cache_key(question, f"starts:{shape}", first_day, last_day)
    cache = caches["schedule"]
    if (starts := cache.get(key)) is None:
        schedule = replace(loaded.schedule, bookings=loaded.booked)
        slots = availability.free_slots(schedule, rules, first_day, last_day)
        starts = list(availability.slots_by_start(slots))
        cache.set(key, starts)
    return starts


def next_free_day(question: Question, after: dt.date, last_day: dt.date) -> dt.date | None:
    """The first day after ``after`` (up to last_day) with a free time, read in chunks."""
    first = after + dt.timedelta(days=1)
    while first <= last_day:
        last = min(first + dt.timedelta(days=SEARCH_CHUNK_DAYS - 1), last_day)
        if by_day := free_starts(question, first, last):
            return min(by_day)
        first = last + dt.timedelta(days=1)
    return None


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
