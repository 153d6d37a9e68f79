"""Proposing a course of treatment: a series of sessions, from the engine's free slots.

Pure Python, like the engine beside it: free slots in, a proposed series out. The front
desk (and, if the clinic allows it, the portal) shows the proposal, lets the person
adjust any session, and books all of them at once (``booking.services.courses``).

Rules:
- Session n is wanted on ``first_day + n * every_days`` at ``preferred_time`` (local wall
  clock at the location, so 10:00 stays 10:00 across a clock change).
- When that time is taken, the nearest free time within ``search_days`` either side is
  offered instead (ties: the earlier one), so a busy week moves one session, not the course.
- Consecutive sessions keep at least ``min_gap`` from the end of one to the start of the
  next (soreness lasts 24 to 48 hours), and never less than the service's buffer.
- With "any practitioner", later sessions prefer the practitioner of the first session
  (continuity of care) when they are free at an equally near time.
- A session with no free time in its window is proposed as empty: the desk picks one by
  hand or shortens the course; booking refuses a course with an empty session.
"""

import datetime as dt
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from booking.scheduling.availability import Rules, Slot, local_instant

# The most sessions one course may hold; dry needling courses run 4 to 6.
MAX_SESSIONS = 12


@dataclass(frozen=True)
class CoursePlan:
    sessions: int
    first_day: dt.date
    every_days: int
    preferred_time: dt.time
    min_gap: dt.timedelta
    search_days: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.sessions <= MAX_SESSIONS:
            raise ValueError(f"A course has 1 to {MAX_SESSIONS} sessions.")
        if self.every_days < 1:
            raise ValueError("Sessions must be at least a day apart.")
        if self.min_gap < dt.timedelta(0) or self.search_days < 0:
            raise ValueError("The gap and the search window cannot be negative.")

    def wanted_days(self) -> list[dt.date]:
        return [
            self.first_day + dt.timedelta(days=n * self.every_days) for n in range(self.sessions)
        ]

    def last_day(self) -> dt.date:
        """The last local day any session may be proposed on."""
        return self.wanted_days()[-1] + dt.timedelta(days=self.search_days)


@dataclass(frozen=True)
class ProposedSession:
    number: int  # 1-based
    wanted: dt.datetime  # the preferred time that day (just after the jump, if in the gap)
    slot: Slot | None  # None when nothing in the window is free

    @property
    def moved(self) -> bool:
        return self.slot is not None and self.slot.start != self.wanted


def first_weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _wanted_instant(day: dt.date, wall: dt.time, zone: ZoneInfo) -> dt.datetime:
    # A preferred time in the spring-forward gap is aimed at just after the jump.
    instant = local_instant(day, wall, zone)
    if instant is None:
        instant = dt.datetime.combine(day, wall, tzinfo=zone).replace(fold=1)
        instant = instant.astimezone(dt.UTC)
    return instant


def _local_day(slot: Slot, zone: ZoneInfo) -> dt.date:
    return slot.start.astimezone(zone).date()


def propose_course(
    slots: list[Slot], *, plan: CoursePlan, rules: Rules, zone: ZoneInfo
) -> list[ProposedSession]:
    """The course's sessions, chosen in order from ``slots`` (the engine's free slots for
    ``plan.first_day`` to ``plan.last_day()``, one practitioner or all)."""
    gap = max(plan.min_gap, rules.buffer)
    proposed: list[ProposedSession] = []
    previous: Slot | None = None
    preferred_practitioner: int | None = None
    for number, day in enumerate(plan.wanted_days(), start=1):
        wanted = _wanted_instant(day, plan.preferred_time, zone)
        reach = dt.timedelta(days=plan.search_days)
        window = (day - reach, day + reach)
        earliest = previous.end + gap if previous is not None else None
        candidates = [
            slot
            for slot in slots
            if window[0] <= _local_day(slot, zone) <= window[1]
            and (earliest is None or slot.start >= earliest)
        ]
        chosen = min(
            candidates,
            key=lambda slot: (
                abs(slot.start - wanted),
                slot.start,
                slot.practitioner_id != preferred_practitioner,
                slot.practitioner_id,
            ),
            default=None,
        )
        proposed.append(ProposedSession(number=number, wanted=wanted, slot=chosen))
        if chosen is not None:
            previous = chosen
            if preferred_practitioner is None:
                preferred_practitioner = chosen.practitioner_id
    return proposed


def gaps_kept(starts_and_ends: list[tuple[dt.datetime, dt.datetime]], gap: dt.timedelta) -> bool:
    """Whether sessions (in any order) keep ``gap`` between the end of one and the next."""
    ordered = sorted(starts_and_ends)
    return all(
        later_start >= earlier_end + gap
        for (_, earlier_end), (later_start, _) in itertools.pairwise(ordered)
    )
