"""Record outcome scores, and link the intake's answers in as the baseline."""

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from patients.clinical.errors import ClinicalError
from patients.models import Episode, Instrument, Intake, OutcomeScore, ScoreSource, Visit

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


def instrument(code: str) -> Instrument | None:
    """The newest active version of an instrument."""
    return Instrument.objects.filter(code=code, is_active=True).order_by("-pk").first()


def score_record(
    *,
    episode: Episode,
    instrument: Instrument,
    value: Decimal,
    label: str = "",
    source: str,
    visit: Visit | None = None,
    recorded_by: "StaffUser | None" = None,
    now: dt.datetime,
) -> OutcomeScore:
    label = label.strip()
    if not instrument.min_value <= value <= instrument.max_value:
        raise ClinicalError(
            f"{instrument.name} scores run from {instrument.min_value:f} to "
            f"{instrument.max_value:f}."
        )
    if instrument.item_label and not label:
        raise ClinicalError(f"Say which {instrument.item_label.lower()} this score is for.")
    if visit is not None and visit.episode_id != episode.pk:
        raise ClinicalError("That visit belongs to another episode.")
    score = OutcomeScore(
        episode=episode,
        instrument=instrument,
        label=label if instrument.item_label else "",
        value=value,
        source=source,
        visit=visit,
        recorded_by=recorded_by,
        recorded_at=now,
    )
    score.full_clean()
    score.save()
    return score


def link_intake_scores(*, episode: Episode, intake: Intake, now: dt.datetime) -> list[OutcomeScore]:
    """The intake asked NPRS (pain now) and PSFS (up to three activities): those answers
    are the episode's baseline, linked rather than asked again. Linking twice adds
    nothing (a unique constraint per intake, instrument and label)."""
    at = intake.submitted_at or intake.questionnaire_saved_at or now
    wanted: list[tuple[Instrument, str, int]] = []
    nprs, psfs = instrument("nprs"), instrument("psfs")
    if nprs is not None and intake.pain_now is not None:
        wanted.append((nprs, "", intake.pain_now))
    if psfs is not None:
        wanted.extend(
            (psfs, activity, score) for activity, score in intake.psfs if score is not None
        )
    linked = []
    with transaction.atomic():
        for measure, label, value in wanted:
            score, _ = OutcomeScore.objects.get_or_create(
                intake=intake,
                instrument=measure,
                label=label[:200],
                defaults={
                    "episode": episode,
                    "value": Decimal(value),
                    "recorded_at": at,
                    "source": ScoreSource.INTAKE,
                },
            )
            linked.append(score)
    return linked
