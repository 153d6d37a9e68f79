"""Slot holds: the time a patient picked is kept from others while they finish booking.

A hold takes the same locks and the same engine check as a booking (booking.services
.place), so two patients cannot hold one time; it then occupies one practitioner and one
room until it lapses (CLINIC_HOLD_MINUTES). load_schedule counts other patients' live
holds as bookings, so the times page hides them and appointment_book refuses them; the
holder's own token is left out of both.

One visitor (a session's token) holds one time: picking another releases the first. One
address (``holder``) holds at most CLINIC_LIVE_HOLDS_PER_IP times at once, and at most
CLINIC_HOLDS_DAY_SHARE percent of a day's free times (at least one), so nobody can empty
a day for everyone else by opening many sessions (decision 0082).
"""

import datetime as dt
import math
import secrets
from dataclasses import replace

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from booking.models import BookingPolicy, Practitioner, Service, SlotHold
from booking.scheduling import availability
from booking.scheduling.schedule import load_schedule
from booking.services.placement import BookingError, check_request, constraint_lost, place
from clinic import ratelimit
from clinic.models import Location

SESSION_KEY = "hold_token"


class TooManyHolds(BookingError):
    pass


def hold_token_for(session: SessionBase) -> str:
    """The visitor's hold token, made on first use and kept in their session."""
    token = session.get(SESSION_KEY)
    if not token:
        token = session[SESSION_KEY] = secrets.token_urlsafe(24)
    return token


def holds_time(*, token: str | None, start: dt.datetime) -> bool:
    """Whether this visitor already holds (or held, until it lapsed) this time: taking it
    again renews their hold rather than making a new one."""
    return bool(token) and SlotHold.objects.filter(token=token, start=start).exists()


def slot_hold(
    *,
    token: str,
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    now: dt.datetime,
    holder: str = "",
) -> SlotHold:
    """Hold ``start`` for the holder of ``token``, replacing their earlier hold.

    Raises BookingError: SlotTaken with nearby times when another booking or hold has it,
    TooManyHolds when ``holder`` (a hash of the visitor's address) holds enough already.
    """
    policy = BookingPolicy.load()
    rules = check_request(
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        source="online",
        policy=policy,
        now=now,
    )
    with constraint_lost(start), transaction.atomic():
        others: list[SlotHold] = []
        if holder:
            # Taken first, before place's row locks, by holds only: one address's holds
            # are counted one after another, whatever the location.
            ratelimit.lock([holder])
            others = list(
                SlotHold.objects.filter(holder=holder, expires_at__gt=now)
                .exclude(token=token)
                .select_related("room")
            )
            if len(others) >= settings.CLINIC_LIVE_HOLDS_PER_IP:
                raise TooManyHolds(
                    "Several times are already being held from your connection. Please "
                    "finish one of those bookings, or try again in a few minutes.",
                    code="holds",
                )
        slot, _ = place(
            service=service,
            location=location,
            start=start,
            practitioner=practitioner,
            rules=rules,
            hold_token=token,
            now=now,
        )
        if others:
            _check_day_share(
                service=service,
                location=location,
                rules=rules,
                start=start,
                now=now,
                token=token,
                others=others,
            )
        SlotHold.objects.filter(token=token).delete()
        return SlotHold.objects.create(
            token=token,
            holder=holder,
            practitioner_id=slot.practitioner_id,
            room_id=slot.room_id,
            start=slot.start,
            occupied_until=slot.end + rules.buffer,
            expires_at=now + dt.timedelta(minutes=settings.CLINIC_HOLD_MINUTES),
        )


def _check_day_share(
    *,
    service: Service,
    location: Location,
    rules: availability.Rules,
    start: dt.datetime,
    now: dt.datetime,
    token: str,
    others: list[SlotHold],
) -> None:
    """Refuse a hold that would give one address more than its share of the day's free
    times, counted as if that address held nothing. Read only when the address already
    holds another time that day here, so a single visitor pays nothing for it."""
    day = start.astimezone(location.zone).date()
    same_day = [
        h
        for h in others
        if h.room.location_id == location.pk and h.start.astimezone(location.zone).date() == day
    ]
    if not same_day:
        return
    loaded = load_schedule(service=service, location=location, first_day=day, last_day=day, now=now)
    theirs = {token, *(h.token for h in same_day)}
    bookings = loaded.booked + tuple(
        h.booking for h in loaded.holds if h.expires_at > now and h.token not in theirs
    )
    schedule = replace(loaded.schedule, bookings=bookings)
    free = len(availability.slots_by_start(availability.free_slots(schedule, rules, day, day)))
    share = max(1, math.floor(free * settings.CLINIC_HOLDS_DAY_SHARE / 100))
    if len(same_day) + 1 > share:
        raise TooManyHolds(
            "Enough times on this day are already being held from your connection. Please "
            "finish one of those bookings, choose another day, or try again in a few minutes.",
            code="holds",
        )
