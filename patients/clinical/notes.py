"""Treatment notes: save a draft with its needling log, sign it, amend it once signed.

A signed note never changes. This module refuses first, with a clear message; the
database triggers (migration 0006) refuse whatever gets past it.
"""

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from patients.clinical.errors import ClinicalError
from patients.clinical.visits import visit_gate
from patients.models import NeedlingEntry, NoteAmendment, TreatmentNote, Visit

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

NOTE_FIELDS = ("subjective", "objective", "assessment", "plan", "aftercare_given")
SIGNED = "This note is signed and cannot change: add an amendment instead."


def _check_needling(visit: Visit, needling: Sequence[dict[str, Any]]) -> None:
    if not needling:
        return
    gate = visit_gate(visit)
    if not gate.needling_allowed:
        raise ClinicalError(gate.reason)
    if (
        any(row.get("estim_frequency_hz") is not None for row in needling)
        and not gate.estim_allowed
    ):
        raise ClinicalError(
            "Electrical stimulation is ruled out for this patient (pacemaker or ICD): "
            "record the needling without it."
        )


def note_save_draft(
    *,
    visit: Visit,
    author: "StaffUser",
    fields: dict[str, str],
    needling: Sequence[dict[str, Any]],
) -> TreatmentNote:
    """Create or overwrite the visit's draft note and its needling rows."""
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        note = TreatmentNote.objects.select_for_update().filter(visit=locked).first()
        if note is not None and note.is_signed:
            raise ClinicalError(SIGNED)
        _check_needling(locked, needling)
        if note is None:
            note = TreatmentNote(visit=locked, author=author)
        for name in NOTE_FIELDS:
            setattr(note, name, fields.get(name, "").strip())
        note.full_clean(exclude=["visit"])
        note.save()
        # A draft's rows are replaced as a whole: the draft is the practitioner's to edit.
        note.needling.all().delete()
        # Lot numbers are searched case-insensitively (reads.lot_search); stray spaces go.
        rows = [
            NeedlingEntry(note=note, **(row | {"lot_number": str(row["lot_number"]).strip()}))
            for row in needling
        ]
        for row in rows:
            try:
                row.full_clean(exclude=["note"])
            except ValidationError as error:
                raise ClinicalError("; ".join(error.messages)) from error
        NeedlingEntry.objects.bulk_create(rows)
    return note


def note_sign(*, note: TreatmentNote, by: "StaffUser", now: dt.datetime) -> TreatmentNote:
    """Sign the draft. From now on it is read-only everywhere."""
    with transaction.atomic():
        locked = TreatmentNote.objects.select_for_update().select_related("visit").get(pk=note.pk)
        if locked.is_signed:
            raise ClinicalError("This note is already signed.")
        # The visit may have changed since the draft (a new re-check): check again.
        _check_needling(
            locked.visit,
            [dict(row) for row in locked.needling.values("estim_frequency_hz")],
        )
        locked.signed_at = now
        locked.signed_by = by
        locked.full_clean(exclude=["visit"])
        locked.save(update_fields=["signed_at", "signed_by", "updated_at"])
    return locked


def note_amend(
    *, note: TreatmentNote, author: "StaffUser", reason: str, text: str, now: dt.datetime
) -> NoteAmendment:
    """A dated correction beneath a signed note (a draft is simply edited)."""
    if not note.is_signed:
        raise ClinicalError("This note is a draft: edit it instead of amending it.")
    amendment = NoteAmendment(
        note=note, author=author, reason=reason.strip(), text=text.strip(), created_at=now
    )
    try:
        amendment.full_clean()
    except ValidationError as error:
        raise ClinicalError("Give both the reason and the correction.") from error
    amendment.save()
    return amendment
