"""Clinical records for the demo clinic (called by booking's demo_clinic command): for
patients with sessions already completed, an intake whose scores are the baseline, an
episode, a re-check and a signed note with its needling log for each session, pain and
function scores that cross the meaningful-change line, one amendment and one mild
adverse event. A newcomer opening the episode page sees a chart at once.
"""

import datetime as dt
import random
from decimal import Decimal

from patients.clinical import episodes, events, notes, scores, visits
from patients.models import (
    ConsentDocument,
    ConsentSignature,
    Episode,
    EventSeverity,
    EventSource,
    Intake,
    IntakeStatus,
    NeedlingPoint,
    Patient,
    ScoreSource,
    ScreeningResult,
)
from patients.screening import ITEMS

COMPLAINTS = [
    ("Neck and shoulder pain from long days at a desk", ["neck", "shoulder_r"],
     "Turning my head to reverse the car", ["Upper trapezius", "Levator scapulae"]),
    ("Low back pain after lifting", ["lower_back"],
     "Bending to put on socks", ["Quadratus lumborum", "Lumbar multifidus"]),
    ("Pain in the buttock and hip when walking", ["hip_l"],
     "Walking for 30 minutes", ["Gluteus medius", "Piriformis"]),
    ("Tight calf after running", ["calf_r"],
     "Running 5 km", ["Gastrocnemius", "Soleus"]),
]  # fmt: skip
NO_CHANGE = {item.code: False for item in ITEMS}
LOT = "DN-2611-{}"


def _intake(patient: Patient, *, complaint: tuple, at: dt.datetime, rng: random.Random) -> Intake:
    """A submitted, cleared intake written directly (the patient's own forms would email
    the clinic and the patient)."""
    text, regions, activity, _ = complaint
    intake = Intake.objects.create(
        patient=patient,
        status=IntakeStatus.CLEARED,
        details_saved_at=at,
        questionnaire_saved_at=at,
        submitted_at=at,
        reviewed_at=at,
        complaint=text,
        pain_regions=regions,
        pain_duration="3m1y",
        pain_now=rng.choice([6, 7, 8]),
        pain_best=3,
        pain_worst=9,
        psfs_activity_1=activity,
        psfs_score_1=rng.choice([2, 3]),
        goals="Get back to normal activities without pain",
    )
    ScreeningResult.objects.create(
        intake=intake, answers=NO_CHANGE, outcome="cleared", estim_allowed=True
    )
    document = ConsentDocument.objects.filter(is_active=True).first()
    if document is not None:
        ConsentSignature.objects.create(
            intake=intake, patient=patient, document=document, typed_name=patient.full_name,
            signed_at=at,
        )  # fmt: skip
    return intake


def _session_rows(points: list[str], n: int) -> list[dict]:
    return [
        {
            "point": NeedlingPoint.objects.get(name=name),
            "side": "right" if "_r" in name or n % 2 else "left",
            "needle_count": 2 + (n + i) % 3,
            "needle_length_mm": 30 if i == 0 else 40,
            "needle_gauge_mm": Decimal("0.25"),
            "technique": "pistoning" if i == 0 else "static",
            "twitch_response": i == 0,
            "lot_number": LOT.format("A" if n < 3 else "B"),
        }
        for i, name in enumerate(points)
    ]


def _treat(patient: Patient, sessions: list, complaint: tuple, rng: random.Random) -> None:
    first = sessions[0]
    intake = _intake(patient, complaint=complaint, at=first.start - dt.timedelta(days=3), rng=rng)
    episode = episodes.episode_start(
        patient=patient,
        intake=intake,
        practitioner=first.practitioner.user,
        now=intake.submitted_at or first.start,
    )
    nprs, psfs = scores.instrument("nprs"), scores.instrument("psfs")
    pain, function = Decimal(intake.pain_now or 7), Decimal(intake.psfs_score_1 or 3)
    for n, appointment in enumerate(sessions):
        author = appointment.practitioner.user
        visit = visits.recheck_record(
            appointment=appointment, answers=NO_CHANGE, by=author, now=appointment.start
        )
        pain = max(Decimal(1), pain - rng.choice([1, 1, 2]))
        function = min(Decimal(10), function + rng.choice([1, 1, 2]))
        for measure, value, label in ((nprs, pain, ""), (psfs, function, complaint[2])):
            if measure is not None:
                scores.score_record(
                    episode=episode, instrument=measure, value=value, label=label,
                    source=ScoreSource.DESK, visit=visit, recorded_by=author, now=appointment.start,
                )  # fmt: skip
        note = notes.note_save_draft(
            visit=visit,
            author=author,
            fields={
                "subjective": f"Pain {pain}/10 today; {complaint[2].lower()} is easier.",
                "objective": "Taut bands and tender points in the treated muscles.",
                "assessment": "Myofascial pain, improving.",
                "plan": "Continue needling with home stretches; review in a week.",
                "aftercare_given": "General aftercare advice given and emailed.",
            },
            needling=_session_rows(complaint[3], n),
        )
        note = notes.note_sign(note=note, by=author, now=appointment.end)
        if n == 0:
            notes.note_amend(
                note=note, author=author, reason="Side recorded wrongly",
                text="The first row was needled on the left, not the right.",
                now=appointment.end + dt.timedelta(hours=2),
            )  # fmt: skip
            events.adverse_event_record(
                episode=episode, visit=visit, type="bruising", severity=EventSeverity.MILD,
                description="Small bruise at one needle site.", action_taken="Pressure applied.",
                source=EventSource.NOTE, reported_by=author, occurred_at=appointment.end,
            )  # fmt: skip


def seed_clinical_records(*, patients: list[Patient], now: dt.datetime, limit: int = 4) -> int:
    """Records for up to `limit` patients with at least three completed sessions and no
    episode yet; nothing when any of them has one (a second run of the demo). Returns how
    many patients were given records."""
    if Episode.objects.filter(patient__in=patients).exists():
        return 0
    rng = random.Random(13)
    treated = 0
    for patient in patients:
        if treated >= limit:
            break
        sessions = list(
            patient.appointments.filter(status="completed", start__lt=now)
            .select_related("practitioner__user")
            .order_by("start")
        )
        if len(sessions) < 3:
            continue
        _treat(patient, sessions, COMPLAINTS[treated % len(COMPLAINTS)], rng)
        treated += 1
    return treated
