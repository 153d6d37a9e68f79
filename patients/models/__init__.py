"""Patient models, by sub-domain; importable from ``patients.models`` as one namespace.

``records``: the patient, intake, screening, consent and access log. ``episodes``: episodes
of care and the per-visit safety re-check. ``notes``: treatment notes, their needling log
and amendments. ``events``: adverse events, aftercare advice and post-session check-ins.
``scores``: outcome instruments and scores. ``access``: break-glass access to a record.
"""

from patients.models.access import BreakGlassAccess
from patients.models.episodes import Episode, EpisodeStatus, Visit
from patients.models.events import (
    AdverseEvent,
    AftercareAdvice,
    CheckIn,
    EventSeverity,
    EventSource,
    EventType,
    Soreness,
)
from patients.models.notes import (
    NeedleSide,
    NeedlingEntry,
    NeedlingPoint,
    NoteAmendment,
    PointRegion,
    Technique,
    TreatmentNote,
)
from patients.models.records import (
    SCORE_FIELDS,
    AccessLogAppendOnly,
    AccessVia,
    BodyRegion,
    ConsentDocument,
    ConsentSignature,
    ContactMethod,
    Intake,
    IntakeReview,
    IntakeStatus,
    PainDuration,
    Patient,
    PatientAccessLog,
    ReviewOutcome,
    ScreeningResult,
)
from patients.models.scores import (
    PATIENT_REPORTED,
    Direction,
    Instrument,
    OutcomeScore,
    ScoreSource,
)
from patients.models.surveys import FollowUpInterval, FollowUpSurvey, SurveyState

__all__ = [
    "PATIENT_REPORTED",
    "SCORE_FIELDS",
    "AccessLogAppendOnly",
    "AccessVia",
    "AdverseEvent",
    "AftercareAdvice",
    "BodyRegion",
    "BreakGlassAccess",
    "CheckIn",
    "ConsentDocument",
    "ConsentSignature",
    "ContactMethod",
    "Direction",
    "Episode",
    "EpisodeStatus",
    "EventSeverity",
    "EventSource",
    "EventType",
    "FollowUpInterval",
    "FollowUpSurvey",
    "Instrument",
    "Intake",
    "IntakeReview",
    "IntakeStatus",
    "NeedleSide",
    "NeedlingEntry",
    "NeedlingPoint",
    "NoteAmendment",
    "OutcomeScore",
    "PainDuration",
    "Patient",
    "PatientAccessLog",
    "PointRegion",
    "ReviewOutcome",
    "ScoreSource",
    "ScreeningResult",
    "Soreness",
    "SurveyState",
    "Technique",
    "TreatmentNote",
    "Visit",
]
