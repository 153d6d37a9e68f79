"""Helpers for the clinical-record tests (no tests here): sessions written straight into
the past, an episode with its intake, signed notes with a needling log."""

import datetime as dt
from decimal import Decimal

from booking.models import Appointment, AppointmentSource, AppointmentStatus
from patients.clinical import episodes, notes, scores, visits
from patients.models import Episode, NeedlingPoint, Patient, ScoreSource, Visit
from patients.screening import ITEMS
from tests.intake_support import submitted_intake

NO_CHANGE = {item.code: False for item in ITEMS}
# 08:00 UTC on Mondays from 2026-09-07, one session a week: all before the tests' NOW.
FIRST_SESSION = dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC)


def session(
    clinic,
    patient: Patient,
    n: int,
    *,
    practitioner=None,
    status=AppointmentStatus.COMPLETED,
    room: int = 0,
) -> Appointment:
    """The n-th weekly session (0-based), written directly: the booking service refuses
    the past."""
    start = FIRST_SESSION + dt.timedelta(weeks=n)
    appointment = Appointment(
        patient=patient,
        practitioner=practitioner or clinic.alice,
        service=clinic.follow_up,
        location=clinic.location,
        room=clinic.rooms[room],
        start=start,
        end=start + dt.timedelta(minutes=30),
        occupied_until=start + dt.timedelta(minutes=40),
        status=status,
        source=AppointmentSource.FRONT_DESK,
    )
    appointment.save()
    return appointment


def needling_row(**overrides: object) -> dict:
    row = {
        "point": NeedlingPoint.objects.get(name="Upper trapezius"),
        "side": "right",
        "needle_count": 2,
        "needle_length_mm": 30,
        "needle_gauge_mm": Decimal("0.25"),
        "technique": "pistoning",
        "twitch_response": True,
        "lot_number": "LOT-A1",
    }
    return row | overrides


def signed_visit(
    clinic, patient: Patient, n: int, *, user=None, lot: str = "LOT-A1", practitioner=None
) -> Visit:
    """A completed session with its re-check (nothing changed), a signed note and one
    needling row."""
    appointment = session(clinic, patient, n, practitioner=practitioner)
    author = user or (practitioner or clinic.alice).user
    visit = visits.recheck_record(
        appointment=appointment, answers=NO_CHANGE, by=author, now=appointment.start
    )
    note = notes.note_save_draft(
        visit=visit,
        author=author,
        fields={"subjective": f"Session {n}", "plan": "Continue"},
        needling=[needling_row(lot_number=lot)],
    )
    notes.note_sign(note=note, by=author, now=appointment.end)
    return Visit.objects.get(pk=visit.pk)


def episode_with_intake(
    patient: Patient, *yes: str, at: dt.datetime = FIRST_SESSION - dt.timedelta(days=3), user=None
) -> Episode:
    """An intake (NPRS 4 now; PSFS when given) turned into an episode."""
    intake = submitted_intake(patient, *yes, at=at)
    return episodes.episode_start(patient=patient, intake=intake, practitioner=user, now=at)


def nprs(episode: Episode, value: int, at: dt.datetime) -> None:
    measure = scores.instrument("nprs")
    assert measure is not None
    scores.score_record(
        episode=episode, instrument=measure, value=Decimal(value), source=ScoreSource.DESK, now=at
    )
