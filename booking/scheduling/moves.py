"""What the patient's reschedule page shows: the free times a booked appointment could
move to.

The booking pages' question (booking.scheduling.times.Question), asked with one
difference: the appointment being moved does not count as taken, so a patient may move
it by a few minutes over its own time. Like the booking pages, a page with no day asked
for opens on the first day with free times, searched in chunks of days.
"""

import datetime as dt

from booking.scheduling import availability
from booking.scheduling.schedule import load_schedule
from booking.scheduling.times import SEARCH_CHUNK_DAYS, Question


def move_starts(
    question: Question, *, moving_id: int, first_day: dt.date, last_day: dt.date
) -> dict[dt.date, list[dt.datetime]]:
    """Each local day from first_day to last_day with a free start for the move, with its
    sorted start instants: one schedule load, one engine pass."""
    # The day after is read too: a session there can keep a room or practitioner busy
    # past midnight (its buffer), as times.free_starts explains.
    loaded = load_schedule(
        service=question.service,
        location=question.location,
        first_day=first_day,
        last_day=last_day + dt.timedelta(days=1),
        exclude_appointment_id=moving_id,
        hold_token=question.hold_token,
        now=question.now,
        practitioners=question.practitioners,
    )
    slots = availability.free_slots(loaded.schedule, question.rules, first_day, last_day)
    by_day: dict[dt.date, list[dt.datetime]] = {}
    for start in availability.slots_by_start(slots):
        by_day.setdefault(start.astimezone(question.location.zone).date(), []).append(start)
    return by_day


def move_day(
    question: Question, *, moving_id: int, day: dt.date, last_day: dt.date, find_first: bool
) -> tuple[dt.date, list[dt.datetime]]:
    """The day to show and its free times. With ``find_first`` (no day asked for) and
    nothing free on ``day``, the first later day with a time, up to last_day."""
    times = move_starts(question, moving_id=moving_id, first_day=day, last_day=day).get(day, [])
    if times or not find_first:
        return day, times
    first = day + dt.timedelta(days=1)
    while first <= last_day:
        last = min(first + dt.timedelta(days=SEARCH_CHUNK_DAYS - 1), last_day)
        if by_day := move_starts(question, moving_id=moving_id, first_day=first, last_day=last):
            found = min(by_day)
            return found, by_day[found]
        first = last + dt.timedelta(days=1)
    return day, []
