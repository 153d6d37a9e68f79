"""A patient's complete record on request (UK GDPR right of access): every row held about
one patient, read in a fixed number of queries, written as a zip of JSON files (one per
kind of record, every stored field) with a printable HTML summary.

Only rows reached from this patient are read: each query filters on the patient, never on
a list of ids taken from elsewhere, so nothing of another patient can slip in.
"""

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.template.loader import render_to_string

from billing.models import (
    BookingCheckout,
    CardSetup,
    CreditNote,
    CreditNoteLine,
    FeeProposal,
    GiftVoucher,
    Invoice,
    InvoiceLine,
    Package,
    PackageUse,
    Payment,
    PaymentAllocation,
    Refund,
    SavedCard,
    VoucherRedemption,
)
from booking.models import Recall
from messaging.models import EmailRecord, InboundText, TextConsent, TextMessage
from patients.models import (
    AdverseEvent,
    CheckIn,
    ConsentSignature,
    Episode,
    FollowUpSurvey,
    Intake,
    IntakeReview,
    NeedlingEntry,
    NoteAmendment,
    OutcomeScore,
    Patient,
    PatientAccessLog,
    ScreeningResult,
    TreatmentNote,
    Visit,
)

type Row = dict[str, Any]


class _Encoder(DjangoJSONEncoder):
    # Phone numbers and other value objects of third-party fields: their text.
    def default(self, o: object) -> object:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _fields(instance: Model) -> Row:
    """Every stored field of a row, foreign keys as ids (`practitioner_id`)."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@dataclass
class PatientRecord:
    """The rows of one patient's record, each a list of field dicts, by file name."""

    patient: Patient
    files: dict[str, list[Row]] = field(default_factory=dict)


def patient_record(patient: Patient) -> PatientRecord:
    """Everything held about `patient`, in 35 queries whatever its size (one per kind of
    record; consent text, instruments, needling points, the terms of saved cards and the
    types of packages come joined to their rows)."""
    appointments = patient.appointments.select_related(
        "service", "location", "practitioner__user", "room"
    ).order_by("start")
    intakes = Intake.objects.filter(patient=patient).order_by("created_at")
    screening = ScreeningResult.objects.filter(intake__patient=patient).order_by("pk")
    reviews = IntakeReview.objects.filter(intake__patient=patient).order_by("pk")
    consents = (
        ConsentSignature.objects.filter(patient=patient)
        .select_related("document")
        .order_by("signed_at")
    )
    episodes = Episode.objects.filter(patient=patient).order_by("started_on", "pk")
    visits = Visit.objects.filter(episode__patient=patient).order_by("pk")
    check_ins = CheckIn.objects.filter(visit__episode__patient=patient).order_by("pk")
    notes = TreatmentNote.objects.filter(visit__episode__patient=patient).order_by("pk")
    amendments = NoteAmendment.objects.filter(note__visit__episode__patient=patient)
    needling = NeedlingEntry.objects.filter(note__visit__episode__patient=patient)
    scores = (
        OutcomeScore.objects.filter(episode__patient=patient)
        .select_related("instrument")
        .order_by("recorded_at", "pk")
    )
    events = AdverseEvent.objects.filter(episode__patient=patient).order_by("occurred_at", "pk")
    access_log = PatientAccessLog.objects.filter(patient=patient).order_by("viewed_at", "pk")

    record = PatientRecord(patient=patient)
    record.files = {
        "patient": [_fields(patient)],
        "appointments": [
            _fields(a)
            | {
                "service": a.service.name,
                "location": a.location.name,
                "room": a.room.name,
                "practitioner": str(a.practitioner),
            }
            for a in appointments
        ],
        "intakes": [_fields(i) for i in intakes],
        "screening": [_fields(s) for s in screening],
        "intake_reviews": [_fields(r) for r in reviews],
        "consent_signatures": [
            _fields(c)
            | {
                "consent_title": c.document.title,
                "consent_version": c.document.version,
                "consent_text": c.document.body,
            }
            for c in consents
        ],
        "episodes": [_fields(e) for e in episodes],
        "visits": [_fields(v) for v in visits],
        "check_ins": [_fields(c) for c in check_ins],
        "treatment_notes": [_fields(n) for n in notes],
        "note_amendments": [_fields(a) for a in amendments.order_by("created_at", "pk")],
        "needling": [
            _fields(n) | {"point": n.point.name}
            for n in needling.select_related("point").order_by("note_id", "pk")
        ],
        "outcome_scores": [
            _fields(s) | {"instrument": s.instrument.code, "instrument_name": s.instrument.name}
            for s in scores
        ],
        "adverse_events": [_fields(e) for e in events],
        "access_log": [_fields(e) for e in access_log],
        **_money(patient),
        **_cards_and_sales(patient),
        **_messages(patient),
    }
    return record


def _money(patient: Patient) -> dict[str, list[Row]]:
    """Invoices, credit notes, payments and refunds (seven queries)."""
    return {
        "invoices": [_fields(i) for i in Invoice.objects.filter(patient=patient).order_by("pk")],
        "invoice_lines": [
            _fields(line)
            for line in InvoiceLine.objects.filter(invoice__patient=patient).order_by("pk")
        ],
        "credit_notes": [
            _fields(n) for n in CreditNote.objects.filter(invoice__patient=patient).order_by("pk")
        ],
        "credit_note_lines": [
            _fields(line)
            for line in CreditNoteLine.objects.filter(
                credit_note__invoice__patient=patient
            ).order_by("pk")
        ],
        "payments": [_fields(p) for p in Payment.objects.filter(patient=patient).order_by("pk")],
        "payment_allocations": [
            _fields(a)
            for a in PaymentAllocation.objects.filter(payment__patient=patient).order_by("pk")
        ],
        "refunds": [_fields(r) for r in Refund.objects.filter(patient=patient).order_by("pk")],
    }


def _cards_and_sales(patient: Patient) -> dict[str, list[Row]]:
    """Saved cards, card set-up pages, fees, booking checkouts, packages and their uses,
    vouchers bought and vouchers spent (eight queries). A saved card holds only what the
    provider lets us show (brand, last four, expiry) and its ids, never a number. A
    voucher's code hash is left out: the buyer never had it, and it only serves to find
    the voucher from its code."""
    cards = SavedCard.objects.filter(patient=patient).select_related("terms").order_by("pk")
    packages = Package.objects.filter(patient=patient).select_related("type").order_by("pk")
    vouchers = GiftVoucher.objects.filter(buyer=patient).order_by("pk")
    return {
        "saved_cards": [_fields(c) | {"terms_version": c.terms.version} for c in cards],
        "card_setups": [
            _fields(s) for s in CardSetup.objects.filter(patient=patient).order_by("pk")
        ],
        "fee_proposals": [
            _fields(f) for f in FeeProposal.objects.filter(patient=patient).order_by("pk")
        ],
        "booking_checkouts": [
            _fields(c) for c in BookingCheckout.objects.filter(patient=patient).order_by("pk")
        ],
        "packages": [_fields(p) | {"package_type": p.type.name} for p in packages],
        "package_uses": [
            _fields(u) for u in PackageUse.objects.filter(package__patient=patient).order_by("pk")
        ],
        "gift_vouchers_bought": [
            {k: v for k, v in _fields(v).items() if k != "code_hash"} for v in vouchers
        ],
        "voucher_redemptions": [
            _fields(r)
            for r in VoucherRedemption.objects.filter(payment__patient=patient).order_by("pk")
        ],
    }


def _messages(patient: Patient) -> dict[str, list[Row]]:
    """Texts sent with their state, replies received, consent to texts given and
    withdrawn, emails sent, recalls and follow-up surveys (six queries)."""
    return {
        "emails": [_fields(e) for e in EmailRecord.objects.filter(patient=patient).order_by("pk")],
        "recalls": [_fields(r) for r in Recall.objects.filter(patient=patient).order_by("pk")],
        "follow_up_surveys": [
            _fields(s)
            for s in FollowUpSurvey.objects.filter(episode__patient=patient).order_by("pk")
        ],
        "texts": [_fields(t) for t in TextMessage.objects.filter(patient=patient).order_by("pk")],
        "text_replies": [
            _fields(r) for r in InboundText.objects.filter(patient=patient).order_by("pk")
        ],
        "text_consent": [
            _fields(c) for c in TextConsent.objects.filter(patient=patient).order_by("pk")
        ],
    }


def record_zip(record: PatientRecord, *, now: dt.datetime) -> bytes:
    """The zip: one JSON file per kind of record, `summary.html` to print, and its CSS
    (a file beside it: the summary is opened from the disk, without the clinic's pages)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in record.files.items():
            text = json.dumps(rows, cls=_Encoder, indent=2, ensure_ascii=False)
            archive.writestr(f"{name}.json", text)
        sections = [
            (name.replace("_", " ").capitalize(), name, rows) for name, rows in record.files.items()
        ]
        context = {
            "record": record,
            "sections": sections,
            "now": now,
            "CLINIC_NAME": settings.CLINIC_NAME,
        }
        archive.writestr("summary.html", render_to_string("patients/export/summary.html", context))
        archive.writestr("summary.css", render_to_string("patients/export/summary.css"))
    return buffer.getvalue()
