"""Offering freed time to the waitlist: when a cancellation or a move frees a time, the first few
matching patients (oldest entries first, booking.selectors.waitlist.entries_matching) are emailed a
link to claim it. Claiming is an ordinary booking, so the first to confirm wins and the
others are told it has gone.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from booking import links
from booking.models import (
    Appointment,
    Practitioner,
    Service,
    WaitlistEntry,
    WaitlistStatus,
)
from booking.notify import emails
from booking.selectors.waitlist import FreedTime, entries_matching
from clinic.models import Location
from messaging import notify as texts


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
    for entry in entries:
        token = links.claim_token(
            entry_id=entry.pk,
            location_id=freed.location_id,
            start=freed.start,
            practitioner_id=freed.practitioner_id,
        )
        claim_path = reverse("booking:waitlist_claim", args=[token])
        emails.waitlist_offer_email(
            patient=entry.patient,
            service=service,
            location=location,
            practitioner=practitioner,
            start=freed.start,
            claim_url=links.absolute(claim_path),
        ).send()
        texts.text_waitlist_offer(
            entry.patient,
            start=freed.start,
            location=location,
            service=service,
            practitioner=practitioner,
            claim_path=claim_path,
        )
    WaitlistEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
        status=WaitlistStatus.OFFERED, updated_at=timezone.now()
    )
    return len(entries)
