"""Recalls (decision 0111): queue the due ones, send each once, record a decline, and
notice a booking made since. Each episode is recalled at most once (a one-to-one row)."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef

from booking.models import (
    RELEASED_STATUSES,
    Appointment,
    Recall,
    RecallState,
)
from booking.selectors.recalls import due_recalls

logger = logging.getLogger(__name__)


def recalls_queue(*, now: dt.datetime) -> list[Recall]:
    """A queued Recall for each episode due one now; the ones this run created (a worker
    running at the same time may have created the others)."""
    created: list[Recall] = []
    for due in due_recalls(now=now):
        with transaction.atomic():
            recall, is_new = Recall.objects.get_or_create(
                episode_id=due.episode.pk,
                defaults={
                    "patient_id": due.episode.patient_id,
                    "service_id": due.last_visit.service_id,
                    "last_visit_id": due.last_visit.pk,
                    "state": RecallState.QUEUED,
                    "created_at": now,
                },
            )
        if is_new:
            created.append(recall)
    return created


def recall_decline(*, recall_id: int, now: dt.datetime) -> Recall | None:
    """The patient needs no other appointment. Idempotent: a second click keeps the first
    time. A recall already turned into a booking stays booked. None for an unknown id."""
    with transaction.atomic():
        recall = Recall.objects.select_for_update().filter(pk=recall_id).first()
        if recall is None or recall.state in (RecallState.DECLINED, RecallState.BOOKED):
            return recall
        recall.state = RecallState.DECLINED
        recall.declined_at = now
        recall.full_clean()
        recall.save(update_fields=["state", "declined_at"])
    return recall


def recalls_settle() -> int:
    """Sent recalls whose patient has since booked an appointment (not cancelled) become
    booked, with the first such appointment: one update per recall found."""
    since = Appointment.objects.filter(
        patient=OuterRef("patient"), created_at__gte=OuterRef("sent_at")
    ).exclude(status__in=RELEASED_STATUSES)
    found = Recall.objects.filter(state=RecallState.SENT).filter(Exists(since))
    count = 0
    for recall in found:
        booked = (
            Appointment.objects.filter(patient=recall.patient_id, created_at__gte=recall.sent_at)
            .exclude(status__in=RELEASED_STATUSES)
            .order_by("created_at", "pk")
            .first()
        )
        if booked is None:
            continue
        updated = Recall.objects.filter(pk=recall.pk, state=RecallState.SENT).update(
            state=RecallState.BOOKED, booked=booked
        )
        count += updated
    return count
