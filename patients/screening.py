"""The dry needling safety screening: the one list of questions, and the pure rule that
turns answers into an outcome. DOMAIN.md, "Screening before needling".

Absolute items put needling on hold until a practitioner clears it; relative items need a
practitioner's review. Items marked blocks_estim rule out electrical stimulation through
the needles whatever the outcome.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"
    ESTIM_ONLY = "estim_only"


class Outcome(StrEnum):
    CLEARED = "cleared"
    NEEDS_REVIEW = "needs_review"
    HOLD = "hold"


@dataclass(frozen=True)
class Item:
    code: str
    question: str
    severity: Severity
    blocks_estim: bool = False


ITEMS: tuple[Item, ...] = (
    # Absolute
    Item(
        "needle_phobia",
        "Are you very afraid of needles, or have you fainted at the sight of one?",
        Severity.ABSOLUTE,
    ),
    Item(
        "cannot_consent",
        "Are you unsure about having dry needling, or does someone else usually make "
        "decisions about your treatment for you?",
        Severity.ABSOLUTE,
    ),
    Item(
        "acute_emergency",
        "Are you acutely unwell right now (for example chest pain, breathlessness, a high "
        "fever or sudden severe symptoms)?",
        Severity.ABSOLUTE,
    ),
    Item(
        "lymphoedema",
        "Do you have lymphoedema (long-lasting swelling from a damaged lymph system), for "
        "example in an arm after breast cancer treatment?",
        Severity.ABSOLUTE,
    ),
    # Relative
    Item(
        "bleeding",
        "Do you have a bleeding disorder, or take blood thinners (such as warfarin, "
        "apixaban, rivaroxaban or daily aspirin)?",
        Severity.RELATIVE,
    ),
    Item(
        "immunosuppression",
        "Is your immune system weakened, by illness or by medicine (such as steroids, "
        "chemotherapy or transplant drugs)?",
        Severity.RELATIVE,
    ),
    Item(
        "vascular_disease",
        "Do you have a disease of the blood vessels (for example poor circulation, "
        "varicose veins or an aneurysm)?",
        Severity.RELATIVE,
    ),
    Item("diabetes", "Do you have diabetes?", Severity.RELATIVE),
    Item("pregnancy", "Are you pregnant, or could you be?", Severity.RELATIVE),
    Item(
        "under_18_or_frail",
        "Are you under 18, or frail (for example you tire or bruise very easily)?",
        Severity.RELATIVE,
    ),
    Item("epilepsy", "Do you have epilepsy or have you ever had a seizure?", Severity.RELATIVE),
    Item(
        "metal_allergy",
        "Are you allergic to metals such as nickel (for example a rash from jewellery)?",
        Severity.RELATIVE,
    ),
    Item(
        "local_infection",
        "Do you have an infection, a wound or a skin problem where you have pain?",
        Severity.RELATIVE,
    ),
    Item(
        "surgery_or_implants",
        "Have you had surgery recently, or do you have implants (such as a joint "
        "replacement, breast implants or metal plates)?",
        Severity.RELATIVE,
    ),
    Item(
        "heart_valve",
        "Do you have heart valve disease or an artificial heart valve?",
        Severity.RELATIVE,
    ),
    Item(
        "not_eaten",
        "Will you have gone more than 2 hours without eating when you arrive?",
        Severity.RELATIVE,
    ),
    # Electrical stimulation only
    Item(
        "pacemaker",
        "Do you have a pacemaker or an implanted defibrillator (ICD)?",
        Severity.ESTIM_ONLY,
        blocks_estim=True,
    ),
)

ITEMS_BY_CODE: dict[str, Item] = {item.code: item for item in ITEMS}


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    estim_allowed: bool
    flagged: tuple[str, ...]


def assess(answers: Mapping[str, bool]) -> Result:
    """Outcome of one set of yes/no answers. Every item must be answered: an answer
    missing is a bug in the caller, not a "no"."""
    missing = [item.code for item in ITEMS if item.code not in answers]
    if missing:
        raise ValueError(f"Unanswered screening items: {', '.join(missing)}")
    yes = [item for item in ITEMS if answers[item.code]]
    if any(item.severity is Severity.ABSOLUTE for item in yes):
        outcome = Outcome.HOLD
    elif any(item.severity is Severity.RELATIVE for item in yes):
        outcome = Outcome.NEEDS_REVIEW
    else:
        outcome = Outcome.CLEARED
    return Result(
        outcome=outcome,
        estim_allowed=not any(item.blocks_estim for item in yes),
        flagged=tuple(item.code for item in yes),
    )
