"""Quiet hours, pure: no texts at night in the patient's time zone. ``now`` is passed in.

The hours are wall-clock times in the zone, so the morning a text waits for is 08:00 there
whatever the clock change did overnight: the night before the spring change is an hour
shorter in real time, the one before the autumn change an hour longer.
"""

import datetime as dt
import zoneinfo


def in_quiet_hours(
    moment: dt.datetime, *, zone: zoneinfo.ZoneInfo, start: dt.time, end: dt.time
) -> bool:
    """Whether ``moment`` falls between ``start`` (evening) and ``end`` (morning) on the
    clock in ``zone``. A window that does not cross midnight (start before end) works too;
    start equal to end means no quiet hours."""
    clock = moment.astimezone(zone).time().replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def next_allowed(
    moment: dt.datetime, *, zone: zoneinfo.ZoneInfo, start: dt.time, end: dt.time
) -> dt.datetime:
    """``moment`` itself outside quiet hours; otherwise the end of this quiet spell: the
    next ``end`` on the local clock (today's if before it, else tomorrow's), as an aware
    time in ``zone``."""
    if not in_quiet_hours(moment, zone=zone, start=start, end=end):
        return moment
    local = moment.astimezone(zone)
    day = local.date()
    if local.time().replace(tzinfo=None) >= end:
        day += dt.timedelta(days=1)
    # fold=0 on a wall time inside a gap or overlap: zoneinfo resolves it to the earlier
    # offset, and 08:00 is never in a change (they happen at 01:00 or 02:00 in Europe).
    return dt.datetime.combine(day, end, tzinfo=zone)
