"""Recalls and follow-up surveys on the task worker (decisions 0111 and 0112): one task
per message, queued after the nightly job's transaction commits. Each task takes an id,
looks again at the database, and sends at most once (the row is locked while sending).

Each message is built and sent by one small function (`_send_recall`, `_send_survey`):
the email, and the text for patients who want texts."""

import datetime as dt
from urllib.parse import urlencode

from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from booking import links
from booking.models import Appointment, Recall, RecallState
from booking.notify import emails
from booking.selectors.catalogue import bookable_offer
from booking.selectors.recalls import BOOKED
from messaging import notify as texts
from patients.clinical.surveys import survey_mark
from patients.links import FOLLOW_UP_MAX_AGE, follow_up_path
from patients.models import EpisodeStatus, FollowUpSurvey, SurveyState


def book_again(recall: Recall) -> tuple[str, str, str]:
    """The booking page for the recalled service at the last visit's location, with the
    last visit's practitioner chosen when they still offer it there; else the service's
    choice of places, else the list of services. (path, practitioner, place)"""
    last = recall.last_visit
    offer = bookable_offer(service_slug=recall.service.slug, location_slug=last.location.slug)
    if offer is None:
        if recall.service.is_active and recall.service.is_online_bookable:
            return reverse("booking:where", args=[recall.service.slug]), "", ""
        return reverse("booking:book"), "", ""
    path = reverse("booking:times", args=[offer.service.slug, offer.location.slug])
    team = {p.pk: p for p in offer.team}
    chosen = team.get(last.practitioner_id)
    if chosen is None:
        return path, "", offer.location.name
    query = urlencode({"practitioner": chosen.pk})
    return f"{path}?{query}", chosen.name, offer.location.name


def recall_skip_reason(recall: Recall, *, now: dt.datetime) -> str:
    """Why a queued recall should not go out after all ('' when it should): the rule
    is checked again when the task runs, since the patient may have booked meanwhile."""
    patient = recall.patient
    if patient.is_archived:
        return "patient archived"
    if recall.episode.status != EpisodeStatus.ACTIVE:
        return "episode closed"
    if Appointment.objects.filter(patient=patient, status__in=BOOKED, end__gt=now).exists():
        return "booked meanwhile"
    return ""


def recall_mark(*, recall: Recall, sent: bool, reason: str = "", now: dt.datetime) -> Recall:
    recall.state = RecallState.SENT if sent else RecallState.NOT_SENT
    recall.sent_at = now if sent else None
    recall.reason = reason
    recall.full_clean()
    recall.save(update_fields=["state", "sent_at", "reason"])
    return recall


def _send_recall(recall: Recall) -> None:
    path, practitioner, place = book_again(recall)
    decline_path = links.recall_decline_path(recall.pk)
    emails.recall_email(
        recall.patient,
        service=recall.service.name,
        practitioner=practitioner,
        place=place,
        link=links.absolute(path),
        decline_link=links.absolute(decline_path),
    ).send()
    texts.text_recall(recall.patient, book_path=path, decline_path=decline_path)


@task
def send_recall(*, recall_id: int) -> str:
    now = timezone.now()
    with transaction.atomic():
        recall = (
            Recall.objects.select_for_update(of=("self",))
            .select_related("patient", "episode", "service", "last_visit__location")
            .filter(pk=recall_id)
            .first()
        )
        if recall is None or recall.state != RecallState.QUEUED:
            return "skipped: not queued"
        if reason := recall_skip_reason(recall, now=now):
            recall_mark(recall=recall, sent=False, reason=reason, now=now)
            return f"not sent: {reason}"
        _send_recall(recall)
        recall_mark(recall=recall, sent=True, now=now)
    return "sent"


def after_recalls_queued(recalls: list[Recall]) -> None:
    ids = [recall.pk for recall in recalls]

    def enqueue() -> None:
        for pk in ids:
            send_recall.enqueue(recall_id=pk)

    transaction.on_commit(enqueue, robust=True)


def _send_survey(survey: FollowUpSurvey) -> None:
    path, patient = follow_up_path(survey.pk), survey.episode.patient
    emails.follow_up_email(patient, link=links.absolute(path)).send()
    texts.text_follow_up(patient, survey_path=path, expires_at=timezone.now() + FOLLOW_UP_MAX_AGE)


@task
def send_follow_up_survey(*, survey_id: int) -> str:
    now = timezone.now()
    with transaction.atomic():
        survey = (
            FollowUpSurvey.objects.select_for_update(of=("self",))
            .select_related("episode__patient")
            .filter(pk=survey_id)
            .first()
        )
        if survey is None or survey.state != SurveyState.PLANNED:
            return "skipped: not planned"
        reason = ""
        if survey.episode.patient.is_archived:
            reason = "patient archived"
        elif survey.episode.status != EpisodeStatus.DISCHARGED:
            reason = "episode reopened"
        if reason:
            survey_mark(survey=survey, sent=False, reason=reason, now=now)
            return f"not sent: {reason}"
        _send_survey(survey)
        survey_mark(survey=survey, sent=True, now=now)
    return "sent"


def surveys_due(*, now: dt.datetime) -> list[int]:
    """Planned surveys whose day has come: their ids."""
    return list(
        FollowUpSurvey.objects.filter(state=SurveyState.PLANNED, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )


def after_surveys_due(ids: list[int]) -> None:
    def enqueue() -> None:
        for pk in ids:
            send_follow_up_survey.enqueue(survey_id=pk)

    transaction.on_commit(enqueue, robust=True)
