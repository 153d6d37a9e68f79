"""The patient's answers to the check-in link sent a day after a session, and to the
pre-visit link (the re-check and today's pain score) before one."""

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from patients.clinical.episodes import visit_open
from patients.clinical.errors import ClinicalError
from patients.clinical.events import adverse_event_record
from patients.clinical.scores import instrument, score_record
from patients.clinical.visits import recheck_record
from patients.models import (
    CheckIn,
    EventSeverity,
    EventSource,
    EventType,
    ScoreSource,
    Soreness,
    Visit,
)

if TYPE_CHECKING:
    from booking.models import Appointment

# Answers that suggest a significant (or serious) event: one event each, for the
# practitioner to review. Mild soreness is expected and creates nothing.
SUGGESTS: list[tuple[str, str, str, str]] = [  # answer, type, severity, description
    ("breathless_or_chest_pain", EventType.PNEUMOTHORAX, EventSeverity.SERIOUS,
     "Check-in: breathlessness or chest pain after the session."),
    ("fainted", EventType.FAINTING, EventSeverity.SIGNIFICANT,
     "Check-in: fainted or nearly fainted after the session."),
    ("bruising_spreading", EventType.BRUISING, EventSeverity.SIGNIFICANT,
     "Check-in: bruising that is spreading."),
]  # fmt: skip


def check_in_answer(
    *,
    appointment: "Appointment",
    soreness: str,
    bruising_spreading: bool,
    fainted: bool,
    breathless_or_chest_pain: bool,
    pain_now: int,
    comments: str,
    now: dt.datetime,
) -> CheckIn:
    """Store the answers once (a second submission returns the first), the pain score,
    and an adverse event for each answer that suggests a significant one."""
    with transaction.atomic():
        visit = visit_open(appointment=appointment, now=now)
        Visit.objects.select_for_update().filter(pk=visit.pk).first()
        existing = CheckIn.objects.filter(visit=visit).first()
        if existing is not None:
            return existing
        check_in = CheckIn(
            visit=visit,
            soreness=soreness,
            bruising_spreading=bruising_spreading,
            fainted=fainted,
            breathless_or_chest_pain=breathless_or_chest_pain,
            pain_now=pain_now,
            comments=comments.strip(),
            answered_at=now,
        )
        check_in.full_clean(exclude=["visit"])
        check_in.save()
        nprs = instrument("nprs")
        if nprs is not None:
            score_record(
                episode=visit.episode,
                instrument=nprs,
                value=Decimal(pain_now),
                source=ScoreSource.CHECK_IN,
                visit=visit,
                now=now,
            )
        suggested = [row for row in SUGGESTS if getattr(check_in, row[0])]
        if soreness == Soreness.STRONG:
            suggested.append(
                ("", EventType.SORENESS, EventSeverity.SIGNIFICANT,
                 "Check-in: strong soreness, or not easing after 48 hours.")
            )  # fmt: skip
        for _, kind, severity, description in suggested:
            adverse_event_record(
                episode=visit.episode,
                visit=visit,
                type=kind,
                severity=severity,
                description=description
                + (f"\nPatient's words: {check_in.comments}" if check_in.comments else ""),
                source=EventSource.CHECK_IN,
                reported_by=None,
                occurred_at=now,
            )
    return check_in


def pre_visit_answer(
    *, appointment: "Appointment", answers: dict[str, bool], pain_now: int, now: dt.datetime
) -> Visit:
    """The patient's re-check and today's pain score, before the session."""
    if not 0 <= pain_now <= 10:
        raise ClinicalError("The pain score runs from 0 to 10.")
    with transaction.atomic():
        visit = recheck_record(appointment=appointment, answers=answers, by=None, now=now)
        nprs = instrument("nprs")
        already = visit.scores.filter(source=ScoreSource.PRE_VISIT).exists()
        if nprs is not None and not already:
            score_record(
                episode=visit.episode,
                instrument=nprs,
                value=Decimal(pain_now),
                source=ScoreSource.PRE_VISIT,
                visit=visit,
                now=now,
            )
    return visit
