"""Adverse events: record (with the note, from a phone call, or from the patient's
check-in), and close after review. Significant and serious events alert the manager."""

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from patients import notify
from patients.clinical.errors import ClinicalError
from patients.models import AdverseEvent, Episode, Visit

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


def adverse_event_record(
    *,
    episode: Episode,
    visit: Visit | None,
    type: str,
    severity: str,
    description: str,
    action_taken: str = "",
    follow_up_due: dt.date | None = None,
    source: str,
    reported_by: "StaffUser | None",
    occurred_at: dt.datetime,
) -> AdverseEvent:
    if visit is not None and visit.episode_id != episode.pk:
        raise ClinicalError("That visit belongs to another episode.")
    event = AdverseEvent(
        episode=episode,
        visit=visit,
        type=type,
        severity=severity,
        description=description.strip(),
        action_taken=action_taken.strip(),
        follow_up_due=follow_up_due,
        source=source,
        reported_by=reported_by,
        occurred_at=occurred_at,
    )
    try:
        event.full_clean()
    except ValidationError as error:
        raise ClinicalError("; ".join(error.messages)) from error
    event.save()
    if event.needs_review:
        notify.after_event_recorded(event)
    return event


def adverse_event_close(
    *, event: AdverseEvent, by: "StaffUser", review_note: str, now: dt.datetime
) -> AdverseEvent:
    """Closing takes a review note. An entry made in error is closed saying so: nothing
    is deleted."""
    if not review_note.strip():
        raise ClinicalError("Write what the review found before closing the event.")
    with transaction.atomic():
        locked = AdverseEvent.objects.select_for_update().get(pk=event.pk)
        if locked.closed_at is not None:
            raise ClinicalError("This event is already closed.")
        locked.closed_at = now
        locked.closed_by = by
        locked.review_note = review_note.strip()
        locked.full_clean()
        locked.save()
    return locked
