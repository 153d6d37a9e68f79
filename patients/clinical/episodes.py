"""Start an episode of care, attach an appointment to one (its Visit), discharge."""

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from patients.clinical.errors import ClinicalError
from patients.clinical.scores import link_intake_scores
from patients.clinical.surveys import surveys_plan
from patients.models import Episode, EpisodeStatus, Intake, Patient, Visit

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

    from booking.models import Appointment


def episode_start(
    *, patient: Patient, intake: Intake | None, practitioner: "StaffUser | None", now: dt.datetime
) -> Episode:
    """A new episode for one complaint, copying the intake's complaint, regions, duration
    and goals, and linking its NPRS and PSFS answers as the baseline scores. Starting
    twice from one intake returns the first episode."""
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        if intake is not None:
            if intake.patient_id != patient.pk:
                raise ClinicalError("That intake belongs to another patient.")
            existing = Episode.objects.filter(intake=intake).first()
            if existing is not None:
                return existing
        episode = Episode(
            patient=patient,
            intake=intake,
            complaint=(intake.complaint if intake else "")[:300] or "Episode of care",
            regions=list(intake.pain_regions) if intake else [],
            duration=intake.pain_duration if intake else "",
            goals=intake.goals if intake else "",
            started_on=timezone.localdate(now),
        )
        episode.full_clean()
        episode.save()
        if practitioner is not None:
            episode.practitioners.add(practitioner)
        if intake is not None:
            link_intake_scores(episode=episode, intake=intake, now=now)
    return episode


def _episode_for_new_visit(patient: Patient, now: dt.datetime) -> Episode:
    """The patient's active episode, else a new one from their latest submitted intake
    that has none yet (a returning patient's new problem), else a bare one."""
    active = patient.episodes.filter(status=EpisodeStatus.ACTIVE).order_by("-started_on", "-pk")
    episode = active.first()
    if episode is not None:
        return episode
    intake = (
        patient.intakes.filter(submitted_at__isnull=False, episode__isnull=True)
        .order_by("-submitted_at", "-pk")
        .first()
    )
    return episode_start(patient=patient, intake=intake, practitioner=None, now=now)


def visit_open(*, appointment: "Appointment", now: dt.datetime) -> Visit:
    """The appointment's Visit, created in the patient's current episode on first use;
    the appointment's practitioner becomes one of the episode's treating practitioners."""
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=appointment.patient_id).first()
        visit = Visit.objects.select_related("episode").filter(appointment=appointment).first()
        if visit is None:
            episode = _episode_for_new_visit(appointment.patient, now)
            if episode.status != EpisodeStatus.ACTIVE:
                raise ClinicalError("This patient's episode is discharged; start a new one.")
            visit = Visit(appointment=appointment, episode=episode)
            visit.full_clean(exclude=["appointment"])
            visit.save()
            episode.practitioners.add(appointment.practitioner.user_id)
    return visit


def episode_discharge(*, episode: Episode, advice: str, now: dt.datetime) -> Episode:
    """Close the episode and plan its follow-up surveys (the nightly job sends them)."""
    with transaction.atomic():
        locked = Episode.objects.select_for_update().get(pk=episode.pk)
        if locked.status == EpisodeStatus.DISCHARGED:
            raise ClinicalError("This episode is already discharged.")
        locked.status = EpisodeStatus.DISCHARGED
        locked.discharged_on = timezone.localdate(now)
        locked.discharge_advice = advice.strip()
        locked.full_clean()
        locked.save()
        surveys_plan(episode=locked, now=now)
    return locked
