"""Follow-up outcome surveys (decision 0112): planned when an episode is discharged, one
per interval the manager set; answered once through the patient's link, each answer an
OutcomeScore of the episode (source FOLLOW_UP) on the measures the patient rated before."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from patients.clinical.errors import ClinicalError
from patients.models import (
    PATIENT_REPORTED,
    Episode,
    FollowUpInterval,
    FollowUpSurvey,
    Instrument,
    OutcomeScore,
    ScoreSource,
    SurveyState,
)


@dataclass(frozen=True)
class Question:
    """One measure to rate again: the instrument and, for PSFS, the activity."""

    instrument: Instrument
    label: str


def survey_questions(episode: Episode) -> list[Question]:
    """The episode's own patient-reported measures: each (instrument, label) whose first
    score the patient gave (intake, pre-visit, check-in), in the order first recorded.
    One query."""
    seen: dict[tuple[int, str], Question] = {}
    firsts: set[tuple[int, str]] = set()
    scores = (
        OutcomeScore.objects.filter(episode=episode, instrument__is_active=True)
        .select_related("instrument")
        .order_by("recorded_at", "pk")
    )
    for score in scores:
        key = (score.instrument_id, score.label)
        if key in firsts:
            continue
        firsts.add(key)
        if score.source in PATIENT_REPORTED and score.source != ScoreSource.FOLLOW_UP:
            seen[key] = Question(score.instrument, score.label)
    return list(seen.values())


def surveys_plan(*, episode: Episode, now: dt.datetime) -> list[FollowUpSurvey]:
    """One survey per active interval, due that many days after `now` (the discharge).
    None when the episode has no patient-reported measure to ask again. Planning twice
    adds nothing (one survey per episode and interval)."""
    if not survey_questions(episode):
        return []
    planned = []
    for interval in FollowUpInterval.objects.filter(is_active=True):
        survey, _ = FollowUpSurvey.objects.get_or_create(
            episode=episode,
            days_after_discharge=interval.days_after_discharge,
            defaults={
                "label": interval.label,
                "due_at": now + dt.timedelta(days=interval.days_after_discharge),
            },
        )
        planned.append(survey)
    return planned


def survey_mark(*, survey: FollowUpSurvey, sent: bool, reason: str = "", now: dt.datetime) -> None:
    survey.state = SurveyState.SENT if sent else SurveyState.NOT_SENT
    survey.sent_at = now if sent else None
    survey.reason = reason
    survey.full_clean()
    survey.save(update_fields=["state", "sent_at", "reason"])


class SurveyClosed(ClinicalError):
    """Answered already (perhaps a moment ago, in another tab), or never sent."""


def survey_answer(
    *, survey_id: int, answers: dict[tuple[int, str], Decimal], now: dt.datetime
) -> list[OutcomeScore]:
    """Save every answer as a score of the episode, all or none, once: the survey row is
    locked, and a second submission (even at the same moment) finds it answered."""
    with transaction.atomic():
        survey = (
            FollowUpSurvey.objects.select_for_update()
            .select_related("episode")
            .filter(pk=survey_id)
            .first()
        )
        if survey is None or survey.answered_at is not None or survey.sent_at is None:
            raise SurveyClosed("This survey has been answered already.")
        questions = {(q.instrument.pk, q.label): q for q in survey_questions(survey.episode)}
        if set(answers) != set(questions):
            raise ClinicalError("Please answer every question.")
        scores = []
        for key, value in answers.items():
            measure = questions[key].instrument
            if not measure.min_value <= value <= measure.max_value:
                raise ClinicalError(
                    f"{measure.name} runs from {measure.min_value:f} to {measure.max_value:f}."
                )
            score = OutcomeScore(
                episode=survey.episode,
                instrument=measure,
                label=key[1],
                value=value,
                source=ScoreSource.FOLLOW_UP,
                survey=survey,
                recorded_at=now,
            )
            score.full_clean()
            scores.append(score)
        OutcomeScore.objects.bulk_create(scores)
        survey.answered_at = now
        survey.state = SurveyState.ANSWERED
        survey.save(update_fields=["answered_at", "state"])
    return scores
