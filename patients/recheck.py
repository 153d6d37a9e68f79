"""The per-visit safety re-check: may needling, and electrical stimulation, be recorded
for this visit? Pure: no Django.

Before each session the practitioner (or the patient, through the pre-visit link)
confirms which screening items are now true (patients.screening.ITEMS: a new
anticoagulant, a pregnancy, an infection at the site, not having eaten...). An absolute
item blocks needling until a practitioner records a clearance with a reason. Electrical
stimulation stays refused while the episode's screening, or this re-check, rules it out
(pacemaker or ICD): no clearance lifts that.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from patients.screening import ITEMS, Outcome, assess


@dataclass(frozen=True)
class Gate:
    needling_allowed: bool
    estim_allowed: bool
    reason: str  # why needling is not allowed, empty when it is
    flagged: tuple[str, ...] = ()  # item codes answered "yes" on the re-check
    needs_clearance: bool = False


def gate(
    *,
    answers: Mapping[str, bool] | None,
    cleared: bool,
    intake_on_hold: bool,
    screening_estim_allowed: bool,
) -> Gate:
    """`answers` is None until the re-check is recorded for this visit."""
    if answers is None:
        return Gate(False, False, "The safety re-check for this visit is not recorded yet.")
    result = assess({item.code: bool(answers.get(item.code)) for item in ITEMS})
    estim = screening_estim_allowed and result.estim_allowed
    if intake_on_hold:
        return Gate(
            False,
            estim,
            "The patient's screening is on hold until a practitioner clears it.",
            result.flagged,
        )
    if result.outcome is Outcome.HOLD and not cleared:
        return Gate(
            False,
            estim,
            "The re-check raised an item that rules out needling until a practitioner "
            "records a clearance with a reason.",
            result.flagged,
            needs_clearance=True,
        )
    return Gate(True, estim, "", result.flagged)
