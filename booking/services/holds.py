"""Slot holds: the time a patient picked is kept from others while they finish booking.

A hold takes the same locks and the same engine check as a booking (booking.services
.place), so two patients cannot hold one time; it then occupies one practitioner and one
room until it lapses (CLINIC_HOLD_MINUTES). load_schedule counts other patients' live
holds as bookings, so the times page hides them and appointment_book refuses them; the
holder's own token is left out of both.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from booking.models import BookingPolicy, Practitioner, Service, SlotHold
from booking.services.placement import check_request, constraint_lost, place
from clinic.models import Location

SESSION_KEY = "hold_token"


def hold_token_for(session: SessionBase) -> str:
    """The visitor's hold token, made on first use and kept in their session."""
    token = session.get(SESSION_KEY)
    if not token:
        token = session[SESSION_KEY] = secrets.token_urlsafe(24)
    return token


def slot_hold(
    *,
    token: str,
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    now: dt.datetime,
) -> SlotHold:
    """Hold ``start`` for the holder of ``token``, replacing their earlier hold.

    Raises BookingError (SlotTaken with nearby times when another booking or hold has it).
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
        slot, _ = place(
            service=service,
            location=location,
            start=start,
            practitioner=practitioner,
            rules=rules,
            hold_token=token,
            now=now,
        )
        SlotHold.objects.filter(token=token).delete()
        return SlotHold.objects.create(
            token=token,
            practitioner_id=slot.practitioner_id,
            room_id=slot.room_id,
            start=slot.start,
            occupied_until=slot.end + rules.buffer,
            expires_at=now + dt.timedelta(minutes=settings.CLINIC_HOLD_MINUTES),
        )
