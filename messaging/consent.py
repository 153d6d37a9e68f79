"""Recording a patient's consent to texts: appended, never changed (messaging.models)."""

import datetime as dt
from typing import TYPE_CHECKING

from messaging.models import ConsentSource, TextConsent
from patients.models import ContactMethod, Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


def text_consent_record(
    *,
    patient: Patient,
    given: bool,
    source: ConsentSource,
    now: dt.datetime,
    by: "StaffUser | None" = None,
) -> TextConsent:
    """One more row in the patient's history; ``by`` is the staff member who recorded
    it (None for the patient's own answer: intake, portal, a reply)."""
    row = TextConsent(patient=patient, given=given, at=now, source=source, recorded_by=by)
    row.full_clean()
    row.save()
    return row


def preferred_contact_consent(
    *, patient: Patient, previous: str, source: ConsentSource, now: dt.datetime
) -> TextConsent | None:
    """After the patient saved their preferred contact: choosing texts is consent to
    them, moving away from texts withdraws it. Nothing is recorded when the answer on
    record already says so (saving the same form twice adds no row). The caller holds
    the patient's lock."""
    chosen = patient.preferred_contact
    latest = TextConsent.objects.filter(patient=patient).values_list("given", flat=True).first()
    if chosen == ContactMethod.SMS and latest is not True:
        return text_consent_record(patient=patient, given=True, source=source, now=now)
    if previous == ContactMethod.SMS and chosen != ContactMethod.SMS and latest is True:
        return text_consent_record(patient=patient, given=False, source=source, now=now)
    return None
