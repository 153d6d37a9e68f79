"""A patient's complete record on request: everything about the patient, nothing of anyone
else, for the clinic manager only, and the export itself logged."""

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from billing.gateways.stripe import SavedCard as CardDetails
from billing.models import (
    BookingCheckout,
    CardSetup,
    CheckoutKind,
    CreditNote,
    CreditNoteLine,
    FeeProposal,
    GiftVoucher,
    Invoice,
    InvoiceLine,
    Package,
    PackageType,
    PackageUse,
    Payment,
    PaymentAllocation,
    Refund,
    SavedCard,
    VoucherRedemption,
)
from billing.services.cards import card_on_file_record
from billing.services.credit_notes import credit_note_issue, refund_cash
from billing.services.fees import fee_propose
from billing.services.packages import package_credit_use, package_sell
from billing.services.voucher_sales import voucher_sell
from billing.services.vouchers import voucher_code_issue, voucher_redeem_on_invoice
from booking.models import Appointment, AppointmentStatus, Recall, RecallState
from clinic.roles import MANAGER
from messaging.models import EmailRecord, InboundText, TextConsent, TextMessage
from patients.clinical.events import adverse_event_record
from patients.clinical.notes import note_amend
from patients.export import patient_record
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
    ReviewOutcome,
    ScreeningResult,
    TreatmentNote,
    Visit,
)
from patients.services import access_log_record
from tests import factories
from tests.billing.cards.helpers import START, terms_in_force

AFTER = factories.FIRST_SESSION + dt.timedelta(weeks=1, hours=2)

# Each JSON file, its model and the path from a row of it to its patient.
FILES: dict[str, tuple[type[Model], str]] = {
    "patient": (Patient, "pk"),
    "appointments": (Appointment, "patient"),
    "intakes": (Intake, "patient"),
    "screening": (ScreeningResult, "intake__patient"),
    "intake_reviews": (IntakeReview, "intake__patient"),
    "consent_signatures": (ConsentSignature, "patient"),
    "episodes": (Episode, "patient"),
    "visits": (Visit, "episode__patient"),
    "check_ins": (CheckIn, "visit__episode__patient"),
    "treatment_notes": (TreatmentNote, "visit__episode__patient"),
    "note_amendments": (NoteAmendment, "note__visit__episode__patient"),
    "needling": (NeedlingEntry, "note__visit__episode__patient"),
    "outcome_scores": (OutcomeScore, "episode__patient"),
    "adverse_events": (AdverseEvent, "episode__patient"),
    "access_log": (PatientAccessLog, "patient"),
    "invoices": (Invoice, "patient"),
    "invoice_lines": (InvoiceLine, "invoice__patient"),
    "credit_notes": (CreditNote, "invoice__patient"),
    "credit_note_lines": (CreditNoteLine, "credit_note__invoice__patient"),
    "payments": (Payment, "patient"),
    "payment_allocations": (PaymentAllocation, "payment__patient"),
    "refunds": (Refund, "patient"),
    "saved_cards": (SavedCard, "patient"),
    "card_setups": (CardSetup, "patient"),
    "fee_proposals": (FeeProposal, "patient"),
    "booking_checkouts": (BookingCheckout, "patient"),
    "packages": (Package, "patient"),
    "package_uses": (PackageUse, "package__patient"),
    "gift_vouchers_bought": (GiftVoucher, "buyer"),
    "voucher_redemptions": (VoucherRedemption, "payment__patient"),
    "texts": (TextMessage, "patient"),
    "text_replies": (InboundText, "patient"),
    "text_consent": (TextConsent, "patient"),
    "emails": (EmailRecord, "patient"),
    "recalls": (Recall, "patient"),
    "follow_up_surveys": (FollowUpSurvey, "episode__patient"),
}


def full_record(clinic: factories.Clinic, person: Patient, marker: str, week: int) -> None:
    """Every kind of record for `person`, its free text carrying `marker`, the session in
    the given week of the course."""
    episode = factories.episode(person, user=clinic.alice.user)
    practitioner = clinic.alice
    visit = factories.signed_visit(clinic, person, week, lot=f"LOT-{marker}")
    IntakeReview.objects.create(
        intake=episode.intake,
        reviewer=practitioner.user,
        outcome=ReviewOutcome.CLEARED,
        note=marker,
    )
    CheckIn.objects.create(
        visit=visit, soreness="mild", pain_now=3, comments=marker, answered_at=AFTER
    )
    note_amend(
        note=visit.note,
        author=practitioner.user,
        reason="Typo",
        text=f"Amended {marker}",
        now=AFTER,
    )
    factories.nprs_score(episode, 3, at=AFTER)
    adverse_event_record(
        episode=episode,
        visit=visit,
        type="bruising",
        severity="mild",
        description=f"Bruise {marker}",
        source="note",
        reported_by=practitioner.user,
        occurred_at=AFTER,
    )
    access_log_record(user=practitioner.user, patient=person, intake=None, record="patient page")
    # Money: an invoice paid, credited in part and refunded.
    invoice = factories.invoice(person, "60.00", notes=f"Invoice {marker}")
    factories.payment(person, "60.00", (invoice, "60.00"))
    note = credit_note_issue(
        invoice=invoice,
        reason=f"Credit {marker}",
        issued_by=practitioner.user,
        now=AFTER,
        amount=Decimal("10.00"),
    )
    refund_cash(
        patient=person,
        amount=Decimal("10.00"),
        credit_note=note,
        refunded_by=practitioner.user,
        now=AFTER,
    )
    cards_and_sales(clinic, person, marker, week, session=visit.appointment)
    texts(person, marker, session=visit.appointment)


def texts(person: Patient, marker: str, *, session: Appointment) -> None:
    """A text about `session`, a reply to it, consent given then withdrawn, an email, a
    recall and a follow-up survey of its episode."""
    factories.sent_text(person, appointment=session, body=f"See you soon {marker}")
    InboundText.objects.create(
        provider_id=f"SM{marker}",
        from_number=str(person.phone),
        patient=person,
        appointment=session,
        body=f"Reply {marker}",
        received_at=AFTER,
        action="for_desk",
    )
    TextConsent.objects.create(patient=person, given=True, at=AFTER, source="intake")
    TextConsent.objects.create(patient=person, given=False, at=AFTER, source="reply")
    EmailRecord.objects.create(
        patient=person, kind="booked", to=person.email, subject="Booked", state="sent", at=AFTER
    )
    episode = session.visit.episode
    Recall.objects.create(
        patient=person,
        episode=episode,
        service=session.service,
        last_visit=session,
        state=RecallState.SENT,
        created_at=AFTER,
        sent_at=AFTER,
    )
    FollowUpSurvey.objects.create(
        episode=episode, label="6 weeks", days_after_discharge=42, due_at=AFTER
    )


def cards_and_sales(
    clinic: factories.Clinic, person: Patient, marker: str, week: int, *, session: Appointment
) -> None:
    """A saved card and its set-up page, a no-show's fee, a booking checkout, a package
    paying for `session`, and a voucher bought and spent by `person`."""
    terms = terms_in_force()
    details = CardDetails(f"cus_{marker}", f"pm_{marker}", "visa", "4242", 12, 2030)
    card_on_file_record(patient=person, card=details, terms=terms, now=AFTER)
    CardSetup.objects.create(
        patient=person,
        terms=terms,
        session_id=f"cs_setup_{marker}",
        url=f"http://stripe.test/setup/{marker}",
        created_at=AFTER,
        expires_at=AFTER + dt.timedelta(hours=1),
    )
    missed = factories.appointment(
        clinic, person, START + dt.timedelta(days=week), status=AppointmentStatus.NO_SHOW
    )
    assert fee_propose(appointment=missed, now=AFTER) is not None
    BookingCheckout.objects.create(
        session_id=f"cs_booking_{marker}",
        url=f"http://stripe.test/pay/{marker}",
        kind=CheckoutKind.DEPOSIT,
        amount=Decimal("20.00"),
        details={"first_name": marker},
        hold_token=f"hold-{marker}",
        service=clinic.initial,
        location=clinic.location,
        start=START + dt.timedelta(days=7 + week),
        patient=person,
        idempotency_key=f"key-{marker}",
        created_at=AFTER,
        expires_at=AFTER + dt.timedelta(minutes=30),
    )
    clerk = factories.clerk()
    package_type = PackageType.objects.create(
        name=f"Course {marker}", sessions=3, price=Decimal("150.00"), validity=6
    )
    package_type.services.add(session.service)
    package = package_sell(
        patient=person, package_type=package_type, sold_by=clerk, now=AFTER, notify_patient=False
    )
    factories.payment(person, "150.00", (package.invoice, "150.00"), now=AFTER)
    package_credit_use(package=package, appointment=session, used_by=clerk, now=AFTER)
    voucher = voucher_sell(
        buyer=person,
        amount=Decimal("50.00"),
        recipient_name=f"Friend {marker}",
        recipient_email="",
        message="",
        sold_by=clerk,
        now=AFTER,
    )
    factories.payment(person, "50.00", (voucher.sale_invoice, "50.00"), now=AFTER)
    code = voucher_code_issue(voucher=voucher, now=AFTER)
    voucher_redeem_on_invoice(
        code=code,
        invoice_id=factories.invoice(person, "30.00", now=AFTER).pk,
        patient=person,
        amount=Decimal("30.00"),
        by=clerk,
        now=AFTER,
    )


@pytest.fixture
def charlie(clinic, patient):
    full_record(clinic, patient, "CHARLIE-MARK", 0)
    return patient


@pytest.fixture
def dana(clinic):
    person = factories.patient(
        first_name="Dana",
        last_name="Zephyrine",
        phone="+441134960001",
        date_of_birth=dt.date(1990, 2, 3),
    )
    full_record(clinic, person, "DANA-MARK", 1)
    return person


@pytest.fixture
def manager(db):
    return factories.signed_in(Client(), factories.staff(username="maria", role=MANAGER))


def export(client, person: Patient) -> zipfile.ZipFile:
    response = client.post(reverse("patients_staff:patient_export", args=[person.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_export_holds_every_kind_of_record_of_the_patient_and_nothing_of_another(
    manager, charlie, dana
):
    archive = export(manager, charlie)

    assert set(archive.namelist()) == {f"{name}.json" for name in FILES} | {
        "summary.html",
        "summary.css",
    }
    for name, (model, path) in FILES.items():
        rows = json.loads(archive.read(f"{name}.json"))
        own = set(model._default_manager.filter(**{path: charlie.pk}).values_list("pk", flat=True))
        others = set(model._default_manager.filter(**{path: dana.pk}).values_list("pk", flat=True))
        assert own, name  # the fixture made one of each kind for both
        assert others, name
        assert {row["id"] for row in rows} == own, name
    everything = "".join(archive.read(name).decode() for name in archive.namelist())
    for trace in ("Dana", "Zephyrine", "dana@example.com", "DANA-MARK", "LOT-DANA-MARK"):
        assert trace not in everything
    for trace in ("Charlie", "CHARLIE-MARK", "LOT-CHARLIE-MARK"):
        assert trace in everything


def test_the_export_shows_a_saved_card_as_the_provider_lets_us_and_no_voucher_code(
    manager, charlie
):
    archive = export(manager, charlie)

    [card] = json.loads(archive.read("saved_cards.json"))
    assert set(card) <= {
        "id",
        "patient_id",
        "customer",
        "payment_method",
        "brand",
        "last4",
        "exp_month",
        "exp_year",
        "terms_id",
        "terms_version",
        "agreed_at",
        "source",
        "removed_at",
        "created_at",
    }
    assert (card["brand"], card["last4"], card["payment_method"]) == (
        "visa",
        "4242",
        "pm_CHARLIE-MARK",
    )
    assert card["terms_version"] == SavedCard.objects.get(patient=charlie).terms.version
    [voucher] = json.loads(archive.read("gift_vouchers_bought.json"))
    assert "code_hash" not in voucher
    assert voucher["recipient_name"] == "Friend CHARLIE-MARK"
    [use] = json.loads(archive.read("package_uses.json"))
    assert use["number"] == 1
    summary = archive.read("summary.html").decode()
    for section in ("Saved cards", "Fee proposals", "Booking checkouts", "Package uses"):
        assert section in summary


def test_the_export_has_the_exact_consent_text_and_a_summary_to_print(manager, charlie):
    archive = export(manager, charlie)

    [signature] = json.loads(archive.read("consent_signatures.json"))
    document = ConsentSignature.objects.get(patient=charlie).document
    assert signature["consent_text"] == document.body
    assert signature["consent_version"] == document.version
    summary = archive.read("summary.html").decode()
    assert "Record of Charlie Patient" in summary
    assert "Amended CHARLIE-MARK" in summary
    assert '<link rel="stylesheet" href="summary.css">' in summary
    assert "@media print" in archive.read("summary.css").decode()


def test_the_export_is_in_the_access_log_and_in_the_export(manager, charlie):
    archive = export(manager, charlie)

    entry = PatientAccessLog.objects.filter(patient=charlie).latest("pk")
    assert (entry.user.username, entry.record) == ("maria", "record export")
    rows = json.loads(archive.read("access_log.json"))
    assert rows[-1]["record"] == "record export"


def test_the_front_desk_and_practitioners_may_not_export(desk, clinic, charlie):
    url = reverse("patients_staff:patient_export", args=[charlie.pk])
    logged = PatientAccessLog.objects.count()

    assert desk.post(url).status_code == 403
    factories.signed_in(desk, factories.in_role(clinic.alice.user, "Practitioner"))
    assert desk.post(url).status_code == 403
    assert PatientAccessLog.objects.count() == logged


def test_the_manager_sees_the_export_button_and_the_desk_does_not(manager, desk, charlie):
    page = reverse("patients_staff:patient", args=[charlie.pk])
    export_url = reverse("patients_staff:patient_export", args=[charlie.pk])

    assert export_url in manager.get(page).content.decode()
    assert export_url not in desk.get(page).content.decode()


def test_the_record_is_read_in_a_fixed_number_of_queries(charlie, dana, django_assert_num_queries):
    # appointments, intakes, screening, intake reviews, consent signatures with their
    # text, episodes, visits, check-ins, notes, amendments, needling rows with their
    # points, scores with their instruments, adverse events, the access log; invoices,
    # their lines, credit notes, their lines, payments, allocations, refunds; saved cards
    # with their terms, card set-up pages, fee proposals, booking checkouts, packages with
    # their types, package uses, vouchers bought, voucher redemptions; texts, replies,
    # consent to texts, emails, recalls, follow-up surveys
    with django_assert_num_queries(35):
        record = patient_record(charlie)
    assert len(record.files["appointments"]) == 2  # the session and the one missed
    assert all(record.files[name] for name in FILES)
