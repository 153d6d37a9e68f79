"""Reads of intake data for pages, and of outcomes for the manager's reports, each in a
fixed number of queries."""

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from booking.models import RELEASED_STATUSES, Appointment
from patients import outcomes
from patients.models import (
    BreakGlassAccess,
    Episode,
    EpisodeStatus,
    Instrument,
    Intake,
    IntakeStatus,
    OutcomeScore,
    Patient,
    PatientAccessLog,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as StaffUser


def _latest_submitted_status() -> Subquery:
    return Subquery(
        Intake.objects.filter(patient=OuterRef("pk"), submitted_at__isnull=False)
        .order_by("-submitted_at", "-pk")
        .values("status")[:1]
    )


def intake_statuses(patient_ids: Iterable[int]) -> dict[int, str]:
    """The intake status of each patient, in one query: "missing", "needs_review", "hold"
    or "cleared", from the patient's latest submitted intake (drafts count as missing)."""
    ids = list(patient_ids)
    if not ids:
        return {}
    rows = (
        Patient.objects.filter(pk__in=ids)
        .annotate(intake_status=_latest_submitted_status())
        .values_list("pk", "intake_status")
    )
    found = {pk: status or IntakeStatus.MISSING.value for pk, status in rows}
    return {pk: found.get(pk, IntakeStatus.MISSING.value) for pk in ids}


def needs_intake(patient: Patient) -> bool:
    """True when the patient has not yet submitted an intake (forms, screening, consent)."""
    return intake_statuses([patient.pk])[patient.pk] == IntakeStatus.MISSING


def reads_all_clinical(user: "StaffUser | AnonymousUser") -> bool:
    """Whether the user reads every patient's clinical records (the manager; every
    practitioner when the clinic sets CLINIC_PRACTITIONERS_SEE_ALL_PATIENTS)."""
    if user.has_perm("patients.view_all_clinical"):
        return True
    return settings.CLINIC_PRACTITIONERS_SEE_ALL_PATIENTS and user.has_perm(
        "patients.view_clinical"
    )


def _care_relationship(user: "StaffUser | AnonymousUser", patient: OuterRef | int) -> Exists:
    """Whether the user is the practitioner of an appointment with the patient that stands
    or took place (requested, confirmed, checked in, completed: not cancelled, not a
    no-show), on something the practitioner did not do alone: someone else booked it (the
    patient online, the desk, a colleague, the API), or someone else saw the patient
    arrive (checked them in, or completed a session nobody checked in). Booking oneself,
    then cancelling, checking in or completing, opens no record (decision 0077)."""
    booked_by_someone_else = Q(booked_by__isnull=True) | ~Q(booked_by=user.pk)
    arrival_seen_by_someone_else = Q(checked_in_by__isnull=False) & ~Q(checked_in_by=user.pk)
    return Exists(
        Appointment.objects.filter(patient=patient, practitioner__user=user.pk)
        .exclude(status__in=RELEASED_STATUSES)
        .filter(booked_by_someone_else | arrival_seen_by_someone_else)
    )


def _break_glass(
    user: "StaffUser | AnonymousUser", patient: OuterRef | int, now: dt.datetime
) -> Exists:
    """Whether the user opened the patient's record on a reason given, and it is still open."""
    return Exists(
        BreakGlassAccess.objects.filter(patient=patient, user=user.pk, expires_at__gt=now)
    )


class ClinicalAccess(enum.Enum):
    NONE = "none"
    ALL = "all"  # the manager, or every practitioner by the clinic's setting
    CARE = "care"  # a care relationship
    BREAK_GLASS = "break-glass"  # a reason given, logged, the manager alerted


def clinical_access(
    user: "StaffUser | AnonymousUser", patient: Patient, *, now: dt.datetime | None = None
) -> ClinicalAccess:
    """Why the user may read the patient's clinical records, or NONE: at most one query."""
    if not user.is_authenticated or not user.has_perm("patients.view_clinical"):
        return ClinicalAccess.NONE
    if reads_all_clinical(user):
        return ClinicalAccess.ALL
    found = (
        Patient.objects.filter(pk=patient.pk)
        .values_list(
            _care_relationship(user, patient.pk),
            _break_glass(user, patient.pk, now or timezone.now()),
        )
        .first()
    )
    if found is None:
        return ClinicalAccess.NONE
    care, glass = found
    if care:
        return ClinicalAccess.CARE
    return ClinicalAccess.BREAK_GLASS if glass else ClinicalAccess.NONE


def may_read_clinical(
    user: "StaffUser | AnonymousUser", patient: Patient, *, now: dt.datetime | None = None
) -> bool:
    return clinical_access(user, patient, now=now) is not ClinicalAccess.NONE


def in_clinical_scope[M: Model](
    queryset: QuerySet[M],
    user: "StaffUser | AnonymousUser",
    patient_field: str,
    *,
    now: dt.datetime | None = None,
) -> QuerySet[M]:
    """The records of `queryset` the user may read, each once: all of them, or those of
    the patients the user has a care relationship with or an open break-glass access to."""
    if reads_all_clinical(user):
        return queryset
    if not user.is_authenticated:
        return queryset.none()
    patient = OuterRef(patient_field or "pk")
    return queryset.filter(
        _care_relationship(user, patient) | _break_glass(user, patient, now or timezone.now())
    )


def access_log_for(patient: Patient) -> QuerySet[PatientAccessLog]:
    """Who viewed this patient's data, newest first (the manager's page and its export)."""
    return (
        PatientAccessLog.objects.filter(patient=patient)
        .select_related("user", "intake")
        .order_by("-viewed_at", "-pk")
    )


def intakes_awaiting_review(user: "StaffUser | AnonymousUser | None" = None) -> QuerySet[Intake]:
    """Submitted intakes a practitioner has still to look at, oldest first (those of the
    user's patients, when a user is given)."""
    intakes = (
        Intake.objects.all()
        if user is None
        else in_clinical_scope(Intake.objects.all(), user, "patient")
    )
    return (
        intakes.filter(
            submitted_at__isnull=False,
            status__in=[IntakeStatus.NEEDS_REVIEW, IntakeStatus.HOLD],
            reviewed_at__isnull=True,
        )
        .select_related("patient", "screening")
        .order_by("submitted_at", "pk")
    )


@dataclass(frozen=True)
class StillImproved:
    """At one follow-up interval (decision 0112): discharged episodes with a follow-up
    score then, and how many were still at least the MCID better than the baseline."""

    interval: str
    episodes: int
    still: int

    @property
    def share(self) -> float | None:
        return self.still / self.episodes if self.episodes else None


@dataclass(frozen=True)
class McidShare:
    """For one instrument: discharged episodes with a baseline and a last score, and how
    many of them reached its MCID; and, per follow-up interval, how many still had."""

    instrument: str
    episodes: int
    reached: int
    follow_ups: tuple[StillImproved, ...] = ()

    @property
    def share(self) -> float | None:
        return self.reached / self.episodes if self.episodes else None


def mcid_shares(*, location_id: int, first_day: dt.date, last_day: dt.date) -> list[McidShare]:
    """Per instrument with an MCID, the episodes discharged between the two days (inclusive)
    that had a session at the location: those with a baseline (first score) and a later
    last score before the follow-up surveys, and how many reached the MCID
    (patients.outcomes). An instrument scored by item (PSFS activities) counts an episode
    once, as reached only when every item with two scores reached it. Follow-up survey
    scores are counted apart, per interval, against the same baseline: "still improved".
    One query."""
    discharged = Episode.objects.filter(
        status=EpisodeStatus.DISCHARGED,
        discharged_on__range=(first_day, last_day),
        visits__appointment__location_id=location_id,
    ).values("pk")
    scores = (
        OutcomeScore.objects.filter(episode__in=Subquery(discharged))
        .select_related("instrument", "survey")
        .order_by("episode_id", "instrument_id", "label", "recorded_at", "pk")
    )
    series: dict[tuple[int, int, str], list[OutcomeScore]] = defaultdict(list)
    for score in scores:
        series[(score.episode_id, score.instrument_id, score.label)].append(score)
    # (episode, instrument) -> whether every item reached the MCID
    verdicts: dict[tuple[int, Instrument], bool] = {}
    # (episode, instrument, days after discharge, interval) -> every item still improved
    lasting: dict[tuple[int, Instrument, int, str], bool] = {}
    for (episode_id, _, _), taken in series.items():
        measure = taken[0].instrument
        mcid = outcomes.Mcid(points=measure.mcid_points, percent=measure.mcid_percent)
        course = [s for s in taken if s.survey is None]
        if not course or not mcid.defined:
            continue
        direction = outcomes.Direction(measure.direction)
        baseline = course[0].value
        if len(course) > 1:
            change = outcomes.change(baseline, course[-1].value, direction=direction, mcid=mcid)
            key = (episode_id, measure)
            verdicts[key] = verdicts.get(key, True) and bool(change.meaningful)
        for later in taken:
            if later.survey is None:
                continue
            change = outcomes.change(baseline, later.value, direction=direction, mcid=mcid)
            at = (episode_id, measure, later.survey.days_after_discharge, later.survey.label)
            lasting[at] = lasting.get(at, True) and bool(change.meaningful)
    counts: dict[Instrument, list[int]] = {}
    for (_, measure), reached in verdicts.items():
        total = counts.setdefault(measure, [0, 0])
        total[0] += 1
        total[1] += reached
    later_counts: dict[Instrument, dict[tuple[int, str], list[int]]] = defaultdict(dict)
    for (_, measure, days, interval), still in lasting.items():
        counts.setdefault(measure, [0, 0])
        total = later_counts[measure].setdefault((days, interval), [0, 0])
        total[0] += 1
        total[1] += still
    return [
        McidShare(
            measure.name,
            episodes,
            reached,
            tuple(
                StillImproved(interval, *totals)
                for (_, interval), totals in sorted(later_counts[measure].items())
            ),
        )
        for measure, (episodes, reached) in sorted(counts.items(), key=lambda i: i[0].name)
    ]
