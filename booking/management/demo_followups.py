"""Recalls and follow-up surveys in the demo clinic (decisions 0111 and 0112): five more
patients, seen months ago, so that the desk's recalls page and the MCID report's "still
improved" rows have something to show at once.

- Iris is due a recall (an open episode, last seen 9 weeks ago, nothing booked);
- Jack was recalled 10 days ago; Kate declined hers;
- Leo and Mia were discharged 18 and 21 weeks ago and answered their follow-up surveys: Leo
  stayed better than the meaningful change at 6 weeks and 3 months, Mia only at 6 weeks.

Their sessions are older than the demo calendar's few weeks, on their practitioner's
working days and hours, so the calendar itself is unchanged.
"""

import datetime as dt
from decimal import Decimal

from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    Practitioner,
    RecallState,
    Service,
    WeeklyHours,
)
from booking.services.recalls import recalls_queue
from clinic.models import Room
from patients.clinical import episodes, scores, surveys, visits
from patients.models import Episode, Intake, IntakeStatus, Patient, ScoreSource, SurveyState
from patients.screening import ITEMS

NO_CHANGE = {item.code: False for item in ITEMS}
RECALL_AFTER_DAYS = 42
# first name, last name, weeks ago of the last of three weekly sessions, discharged?
COHORT = [
    ("Iris", "Reed", 9, False),
    ("Jack", "Pike", 12, False),
    ("Kate", "Rowe", 15, False),
    ("Leo", "Marsh", 18, True),
    ("Mia", "Ford", 21, True),
]
# pain (NPRS) and function (PSFS) at each follow-up: Leo stays better, Mia slips back
# at 3 months (baselines 7 and 3; at discharge 3 and 7).
ANSWERS = {
    "Leo": {"At discharge": (3, 7), "6 weeks": (3, 8), "3 months": (2, 8)},
    "Mia": {"At discharge": (3, 7), "6 weeks": (4, 6), "3 months": (6, 4)},
}


def _patient(number: int, first: str, last: str) -> Patient:
    patient, _ = Patient.objects.get_or_create(
        email=f"{first}.{last}@example.com".lower(),
        defaults={
            "first_name": first,
            "last_name": last,
            "phone": f"+441134960{700 + number:03d}",
            "date_of_birth": dt.date(1970 + number * 3, 4, 10),
        },
    )
    return patient


def _sessions(
    patient: Patient,
    *,
    hours: WeeklyHours,
    first: Service,
    service: Service,
    weeks_ago: int,
    now: dt.datetime,
) -> list[Appointment]:  # fmt: skip
    """Three weekly sessions at the start of the practitioner's working day, the last
    `weeks_ago` weeks before now (each patient's weeks their own): the initial assessment,
    then two of the recalled service."""
    zone = hours.location.zone
    today = now.astimezone(zone).date()
    last_day = today - dt.timedelta(days=(today.weekday() - hours.weekday) % 7, weeks=weeks_ago)
    room = Room.objects.filter(location=hours.location).order_by("pk")[0]
    rows = []
    for week, kind in ((2, first), (1, service), (0, service)):
        day = last_day - dt.timedelta(weeks=week)
        start = dt.datetime.combine(day, hours.start_time, tzinfo=zone)
        end = start + dt.timedelta(minutes=kind.duration_minutes)
        rows.append(
            Appointment.objects.create(
                patient=patient,
                practitioner=hours.practitioner,
                service=kind,
                location=hours.location,
                room=room,
                start=start,
                end=end,
                occupied_until=end + dt.timedelta(minutes=kind.buffer_after_minutes),
                source=AppointmentSource.FRONT_DESK,
                status=AppointmentStatus.COMPLETED,
            )
        )
    return rows


def _episode(patient: Patient, sessions: list[Appointment]) -> Episode:
    at = sessions[0].start - dt.timedelta(days=3)
    intake = Intake.objects.create(
        patient=patient, status=IntakeStatus.CLEARED, details_saved_at=at,
        questionnaire_saved_at=at, submitted_at=at, reviewed_at=at,
        complaint="Neck pain after long drives", pain_regions=["neck"], pain_duration="3m1y",
        pain_now=7, pain_best=3, pain_worst=9, psfs_activity_1="Driving for an hour",
        psfs_score_1=3,
    )  # fmt: skip
    author = sessions[0].practitioner.user
    episode = episodes.episode_start(patient=patient, intake=intake, practitioner=author, now=at)
    nprs, psfs = scores.instrument("nprs"), scores.instrument("psfs")
    for n, session in enumerate(sessions):
        visit = visits.recheck_record(
            appointment=session, answers=NO_CHANGE, by=author, now=session.start
        )
        for measure, value, label in (
            (nprs, 6 - 1.5 * n, ""),
            (psfs, 4 + 1.5 * n, "Driving for an hour"),
        ):
            if measure is not None:
                scores.score_record(
                    episode=episode, instrument=measure, value=Decimal(str(value)), label=label,
                    source=ScoreSource.DESK, visit=visit, recorded_by=author, now=session.end,
                )  # fmt: skip
    return episode


def _answer(episode: Episode, first_name: str, now: dt.datetime) -> None:
    for survey in episode.surveys.order_by("due_at"):
        if survey.due_at > now or survey.label not in ANSWERS[first_name]:
            continue
        survey.state, survey.sent_at = SurveyState.SENT, survey.due_at
        survey.save(update_fields=["state", "sent_at"])
        pain, function = ANSWERS[first_name][survey.label]
        values = {"nprs": Decimal(pain), "psfs": Decimal(function)}
        answers = {
            (q.instrument.pk, q.label): values[q.instrument.code]
            for q in surveys.survey_questions(episode)
        }
        surveys.survey_answer(
            survey_id=survey.pk, answers=answers, now=survey.due_at + dt.timedelta(days=1)
        )


def seed_recalls_and_follow_ups(*, practitioner: Practitioner, now: dt.datetime) -> int:
    """The five patients above, once (nothing on a second run). How many were added."""
    if Patient.objects.filter(email="iris.reed@example.com").exists():
        return 0
    assessment = Service.objects.get(slug="initial-assessment")
    service = Service.objects.get(slug="follow-up")
    if service.recall_after_days is None:
        service.recall_after_days = RECALL_AFTER_DAYS
        service.save(update_fields=["recall_after_days"])
    hours = (
        WeeklyHours.objects.filter(practitioner=practitioner)
        .select_related("location", "practitioner__user")
        .order_by("weekday", "start_time")
        .first()
    )
    if hours is None:
        return 0
    for number, (first, last, weeks_ago, discharged) in enumerate(COHORT):
        patient = _patient(number, first, last)
        sessions = _sessions(
            patient, hours=hours, first=assessment, service=service, weeks_ago=weeks_ago, now=now
        )
        episode = _episode(patient, sessions)
        if discharged:
            discharge_at = sessions[-1].end + dt.timedelta(hours=2)
            episodes.episode_discharge(
                episode=episode, advice="Keep up the stretches.", now=discharge_at
            )
            _answer(episode, first, now)
    # Jack's and Kate's recalls went out 10 days ago; Kate has declined hers. Iris is due.
    sent_at = now - dt.timedelta(days=10)
    for recall in recalls_queue(now=sent_at):
        if recall.patient.first_name in ("Jack", "Kate"):
            recall.state, recall.sent_at = RecallState.SENT, sent_at
            if recall.patient.first_name == "Kate":
                recall.state, recall.declined_at = RecallState.DECLINED, now - dt.timedelta(days=8)
            recall.save()
        else:
            recall.delete()
    return len(COHORT)
