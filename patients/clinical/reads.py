"""Reads for the clinical pages, each in a fixed number of queries whatever the number of
visits, notes or scores."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from patients import charts, outcomes
from patients.models import (
    AdverseEvent,
    Episode,
    EventSeverity,
    Instrument,
    NeedlingEntry,
    NoteAmendment,
    OutcomeScore,
    Patient,
    TreatmentNote,
    Visit,
)
from patients.selectors import in_clinical_scope

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


@dataclass
class Series:
    """One measure over time (for PSFS and range of motion: one activity or movement)."""

    instrument: Instrument
    label: str
    scores: list[OutcomeScore]
    change: outcomes.Change | None = None
    threshold: Decimal | None = None
    chart: charts.Chart | None = None

    @property
    def title(self) -> str:
        return f"{self.instrument.name}: {self.label}" if self.label else self.instrument.name

    @property
    def follow_ups(self) -> bool:
        return any(score.survey_id for score in self.scores)


def _mcid(instrument: Instrument) -> outcomes.Mcid:
    return outcomes.Mcid(points=instrument.mcid_points, percent=instrument.mcid_percent)


def progress(scores: Iterable[OutcomeScore]) -> list[Series]:
    """Scores (in time order, instruments loaded) as one series per measure, each with
    its change from the baseline (the first score) against the instrument's MCID."""
    grouped: dict[tuple[int, str], Series] = {}
    for score in scores:
        key = (score.instrument_id, score.label)
        if key not in grouped:
            grouped[key] = Series(score.instrument, score.label, [])
        grouped[key].scores.append(score)
    for series in grouped.values():
        measure = series.instrument
        direction = outcomes.Direction(measure.direction)
        baseline = series.scores[0].value
        if len(series.scores) > 1:
            series.change = outcomes.change(
                baseline, series.scores[-1].value, direction=direction, mcid=_mcid(measure)
            )
        series.threshold = outcomes.threshold(
            baseline,
            direction=direction,
            mcid=_mcid(measure),
            low=measure.min_value,
            high=measure.max_value,
        )
        series.chart = charts.chart(
            [(f"{s.recorded_at:%d %b}", s.value) for s in series.scores],
            low=measure.min_value,
            high=measure.max_value,
            threshold=series.threshold,
            follow_ups=frozenset(i for i, s in enumerate(series.scores) if s.survey_id),
        )
    return list(grouped.values())


def _scores(**filters: object) -> list[OutcomeScore]:
    return list(
        OutcomeScore.objects.filter(**filters)
        .select_related("instrument", "survey")
        .order_by("recorded_at", "pk")
    )


@dataclass
class EpisodeSummary:
    episode: Episode
    progress: list[Series]
    sessions: int = 0


def patient_episodes(patient: Patient) -> list[EpisodeSummary]:
    """The patient's episodes, newest first, each with its progress: 2 queries."""
    episodes = list(patient.episodes.order_by("-started_on", "-pk"))
    by_episode: dict[int, list[OutcomeScore]] = defaultdict(list)
    for score in _scores(episode__patient=patient):
        by_episode[score.episode_id].append(score)
    return [EpisodeSummary(e, progress(by_episode[e.pk])) for e in episodes]


@dataclass
class VisitRecord:
    visit: Visit
    note: TreatmentNote | None
    needling: list[NeedlingEntry] = field(default_factory=list)
    amendments: list[NoteAmendment] = field(default_factory=list)


@dataclass
class EpisodeRecord:
    episode: Episode
    visits: list[VisitRecord]
    events: list[AdverseEvent]
    progress: list[Series]
    practitioners: list[str]

    @property
    def signed_sessions(self) -> int:
        return sum(1 for v in self.visits if v.note is not None and v.note.is_signed)


def episode_record(episode: Episode) -> EpisodeRecord:
    """Everything the episode page shows, in 6 queries: visits with their appointments
    and notes, needling rows, amendments, adverse events, scores, treating practitioners."""
    visits = list(
        Visit.objects.filter(episode=episode)
        .select_related(
            "appointment__service",
            "appointment__practitioner__user",
            "note__author",
            "note__signed_by",
            "cleared_by",
        )
        .order_by("appointment__start", "pk")
    )
    records = {v.pk: VisitRecord(v, v.note if _has_note(v) else None) for v in visits}
    for row in NeedlingEntry.objects.filter(note__visit__episode=episode).select_related(
        "point", "note"
    ):
        records[row.note.visit_id].needling.append(row)
    for amendment in NoteAmendment.objects.filter(note__visit__episode=episode).select_related(
        "author", "note"
    ):
        records[amendment.note.visit_id].amendments.append(amendment)
    events = list(
        AdverseEvent.objects.filter(episode=episode).select_related(
            "visit__appointment", "reported_by", "closed_by"
        )
    )
    practitioners = [
        user.get_full_name() or user.get_username() for user in episode.practitioners.all()
    ]
    return EpisodeRecord(
        episode,
        list(records.values()),
        events,
        progress(_scores(episode=episode)),
        practitioners,
    )


def _has_note(visit: Visit) -> bool:
    try:
        visit.note  # noqa: B018  (select_related loaded it, or it does not exist)
    except TreatmentNote.DoesNotExist:
        return False
    return True


def last_signed_note(visit: Visit) -> tuple[TreatmentNote | None, list[NeedlingEntry]]:
    """The episode's latest signed note before this visit, to start a new note from."""
    note = (
        TreatmentNote.objects.filter(visit__episode=visit.episode_id, signed_at__isnull=False)
        .exclude(visit=visit)
        .order_by("-visit__appointment__start", "-pk")
        .first()
    )
    if note is None:
        return None, []
    return note, list(note.needling.select_related("point"))


def lot_search(lot_number: str) -> list[NeedlingEntry]:
    """Every needling row with this lot number (case and spaces ignored), with the
    patient, the session and the practitioner: one query."""
    return list(
        NeedlingEntry.objects.filter(lot_number__iexact=lot_number.strip())
        .select_related(
            "point",
            "note__visit__appointment__patient",
            "note__visit__appointment__practitioner__user",
        )
        .order_by("note__visit__appointment__start", "pk")
    )


def events_to_review(user: "StaffUser") -> list[AdverseEvent]:
    """Open significant and serious events, oldest first, of the patients the user may
    read (patients.selectors.in_clinical_scope)."""
    events = in_clinical_scope(
        AdverseEvent.objects.filter(closed_at__isnull=True).exclude(severity=EventSeverity.MILD),
        user,
        "episode__patient",
    )
    return list(
        events.select_related("episode__patient", "visit__appointment").order_by(
            "occurred_at", "pk"
        )
    )


def rechecks_pending(appointment_ids: Iterable[int]) -> set[int]:
    """Which of these appointments have no safety re-check recorded yet: one query."""
    ids = set(appointment_ids)
    if not ids:
        return set()
    done = Visit.objects.filter(appointment_id__in=ids, recheck_at__isnull=False).values_list(
        "appointment_id", flat=True
    )
    return ids - set(done)
