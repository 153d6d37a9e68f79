"""Who is due a recall, and the recalls the desk has seen go out (decision 0111).

The rule: an open episode of a patient not archived, never recalled (the newest open
episode of a patient counts); the patient's last completed session is of a service with a
recall period, falls inside the episode, and started longer ago than that period; and the
patient has nothing booked."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from booking.models import Appointment, AppointmentStatus, Recall, Service
from patients.models import Episode, EpisodeStatus, Patient

# A checked-in session is under way: the patient is not lost to follow-up.
BOOKED = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN)


@dataclass(frozen=True)
class DueRecall:
    """An open episode due a recall, counted from the patient's last completed session."""

    episode: Episode
    last_visit: Appointment  # its service loaded
    due_at: dt.datetime

    @property
    def patient(self) -> Patient:
        return self.episode.patient

    @property
    def service(self) -> Service:
        return self.last_visit.service


def due_recalls(*, now: dt.datetime) -> list[DueRecall]:
    """Who is due a recall now, oldest due first: at most three queries, none correlated
    per row, so the time grows with the open episodes, not with the whole diary. The open
    episodes (the newest per patient counts); the last completed session of each patient
    with one (a window function); which of the patients due have something booked."""
    recalled = Recall.objects.filter(episode=OuterRef("pk"))
    newest: dict[int, Episode] = {}
    for candidate in (
        Episode.objects.filter(status=EpisodeStatus.ACTIVE, patient__is_archived=False)
        .annotate(recalled=Exists(recalled))
        .select_related("patient")
        .order_by("patient_id", "-started_on", "-pk")
    ):
        newest.setdefault(candidate.patient_id, candidate)
    open_episodes = {pk: e for pk, e in newest.items() if not e.recalled}  # type: ignore[attr-defined]
    if not open_episodes:
        return []
    open_episode = Episode.objects.filter(patient=OuterRef("patient"), status=EpisodeStatus.ACTIVE)
    last_sessions = (
        Appointment.objects.filter(Exists(open_episode), status=AppointmentStatus.COMPLETED)
        .annotate(
            latest=Window(
                RowNumber(),
                partition_by=[F("patient_id")],
                order_by=[F("start").desc(), F("pk").desc()],
            )
        )
        .filter(latest=1)
        .select_related("service")
    )
    due = []
    for session in last_sessions:
        episode = open_episodes.get(session.patient_id)
        days = session.service.recall_after_days
        if episode is None or days is None:
            continue
        if timezone.localdate(session.start) < episode.started_on:
            continue  # the last session belongs to an earlier episode
        if (due_at := session.start + dt.timedelta(days=days)) <= now:
            due.append(DueRecall(episode=episode, last_visit=session, due_at=due_at))
    if not due:
        return []
    booked = set(
        Appointment.objects.filter(
            patient_id__in=[d.episode.patient_id for d in due], status__in=BOOKED, end__gt=now
        ).values_list("patient_id", flat=True)
    )
    kept = [d for d in due if d.episode.patient_id not in booked]
    return sorted(kept, key=lambda d: (d.due_at, d.episode.pk))


def recent_recalls(*, now: dt.datetime, days: int = 90) -> QuerySet[Recall]:
    """Recalls queued in the last `days` days, newest first, with what the page shows."""
    return (
        Recall.objects.filter(created_at__gte=now - dt.timedelta(days=days))
        .select_related("patient", "service", "last_visit", "booked")
        .order_by("-created_at", "-pk")
    )
