"""Offering freed time to the waitlist: when a cancellation or a move frees a time, the first few
matching patients (oldest entries first, booking.waitlist.entries_matching) are emailed a
link to claim it. Claiming is an ordinary booking, so the first to confirm wins and the
others are told it has gone.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from booking import emails, links
from booking.models import (
    Appointment,
    AppointmentSource,
    Practitioner,
    Service,
    WaitlistEntry,
    WaitlistStatus,
)
from booking.services import BookingError, appointment_book
from booking.waitlist import FreedTime, entries_matching
from clinic.models import Location

# A claim link lasts at most this long (and never past the freed time: booking refuses it).
CLAIM_MAX_AGE = dt.timedelta(days=7)


def offer_freed_time(freed: FreedTime) -> int:
    """Email the first matching waitlist patients; returns how many were offered."""
    taken_again = (
        Appointment.objects.active()
        .filter(practitioner_id=freed.practitioner_id, start__lt=freed.end, end__gt=freed.start)
        .exists()
    )
    if taken_again or freed.start <= timezone.now():
        return 0
    practitioner = Practitioner.objects.select_related("user").get(pk=freed.practitioner_id)
    service = Service.objects.get(pk=freed.service_id)
    location = Location.objects.get(pk=freed.location_id)
    entries = list(
        entries_matching(
            service=service,
            location=location,
            practitioner=practitioner,
            start=freed.start,
            end=freed.end,
        ).exclude(patient_id=freed.patient_id)[: settings.CLINIC_WAITLIST_OFFERS]
    )
    offer = {
        "service": service,
        "location": location,
        "practitioner": practitioner,
        "start": freed.start,
    }
    for entry in entries:
        token = links.claim_token(
            entry_id=entry.pk,
            location_id=freed.location_id,
            start=freed.start,
            practitioner_id=freed.practitioner_id,
        )
        claim_url = links.absolute(reverse("booking:waitlist_claim", args=[token]))
        emails.waitlist_offer_email(patient=entry.patient, offer=offer, claim_url=claim_url).send()
    WaitlistEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        status=WaitlistStatus.OFFERED, updated_at=timezone.now()
    )
    return len(entries)


def load_claim(token: str) -> tuple[WaitlistEntry, dict]:
    data = links.claim_from_token(token, max_age=CLAIM_MAX_AGE)
    entry_id, location_id, practitioner_id = data.get("e"), data.get("l"), data.get("p")
    if entry_id is None or location_id is None:
        raise links.LinkError("This link is not valid.", code="invalid")
    entry = (
        WaitlistEntry.objects.select_related("patient", "service", "location")
        .filter(pk=entry_id)
        .first()
    )
    practitioner = (
        Practitioner.objects.select_related("user").filter(pk=practitioner_id).first()
        if practitioner_id
        else None
    )
    location = Location.objects.filter(pk=location_id, is_active=True).first()
    if entry is None or location is None:
        raise links.LinkError("This link is not valid.", code="invalid")
    return entry, {"start": data["s"], "practitioner": practitioner, "location": location}


def waitlist_claim(
    *,
    entry: WaitlistEntry,
    location: Location,
    start: dt.datetime,
    practitioner: Practitioner | None,
    now: dt.datetime,
) -> Appointment:
    """Book the offered time for the entry's patient, or raise BookingError (SlotTaken
    when another patient confirmed first)."""
    with transaction.atomic():
        locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.status == WaitlistStatus.BOOKED:
            raise BookingError("You have already booked from this offer.", code="claimed")
        appointment = appointment_book(
            patient=entry.patient,
            service=entry.service,
            location=location,
            start=start,
            practitioner=practitioner,
            source=AppointmentSource.ONLINE,
            now=now,
            patient_cap=True,
        )
        locked.status = WaitlistStatus.BOOKED
        locked.appointment = appointment
        locked.save(update_fields=["status", "appointment", "updated_at"])
    return appointment
