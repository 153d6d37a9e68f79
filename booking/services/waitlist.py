"""Waitlist writes: adding entries, their status, and claiming an offered time."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from booking import links
from booking.models import (
    Appointment,
    AppointmentSource,
    Practitioner,
    Service,
    TimeOfDay,
    WaitlistEntry,
    WaitlistStatus,
)
from booking.services.booking import appointment_book
from booking.services.placement import BookingError
from clinic.models import Location
from patients.models import Patient
from patients.services import patient_from_details


def waitlist_add(
    *,
    patient: Patient,
    service: Service,
    location: Location | None,
    practitioner: Practitioner | None,
    earliest_date: dt.date,
    latest_date: dt.date,
    time_of_day: str = TimeOfDay.ANY,
    note: str = "",
    source: str,
) -> WaitlistEntry:
    entry = WaitlistEntry(
        patient=patient,
        service=service,
        location=location,
        practitioner=practitioner,
        earliest_date=earliest_date,
        latest_date=latest_date,
        time_of_day=time_of_day,
        note=note.strip(),
        source=source,
    )
    entry.full_clean()
    entry.save()
    return entry


# What staff may set by hand; "booked" is set only by the booking that fulfils the entry.
SETTABLE_STATUSES = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED, WaitlistStatus.WITHDRAWN)


def waitlist_set_status(*, entry: WaitlistEntry, status: str) -> WaitlistEntry:
    if status not in SETTABLE_STATUSES:
        raise ValidationError(
            "An entry is marked booked by booking its appointment.", code="status"
        )
    entry.status = status
    entry.full_clean(exclude={"patient", "service", "location", "practitioner", "appointment"})
    entry.save(update_fields=["status", "updated_at"])
    return entry


def online_waitlist_join(
    *,
    details: dict[str, str],
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    earliest_date: dt.date,
    latest_date: dt.date,
    time_of_day: str,
) -> WaitlistEntry:
    """Join the waitlist from the public pages: find or create the patient (never telling
    which), then add the entry, all or nothing."""
    with transaction.atomic():
        patient = patient_from_details(details)
        return waitlist_add(
            patient=patient,
            service=service,
            location=location,
            practitioner=practitioner,
            earliest_date=earliest_date,
            latest_date=latest_date,
            time_of_day=time_of_day,
            source=AppointmentSource.ONLINE,
        )


# A claim link lasts at most this long (and never past the freed time: booking refuses it).
CLAIM_MAX_AGE = dt.timedelta(days=7)


def claim_closed(entry: WaitlistEntry, *, location: Location, now: dt.datetime) -> str | None:
    """Why an offer to this entry can no longer be taken, if it cannot: the patient left
    the waitlist, or the dates they asked for are past."""
    if entry.status == WaitlistStatus.WITHDRAWN:
        return "This waitlist place was withdrawn, so its offer is closed."
    if entry.latest_date < now.astimezone(location.zone).date():
        return "The dates of this waitlist place have passed, so its offer is closed."
    return None


def load_claim(token: str, *, now: dt.datetime) -> tuple[WaitlistEntry, dict]:
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
    if closed := claim_closed(entry, location=location, now=now):
        raise links.LinkError(closed, code="closed")
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
        # Checked again under the lock: the front desk may withdraw it meanwhile.
        if closed := claim_closed(locked, location=location, now=now):
            raise BookingError(closed, code="closed")
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
