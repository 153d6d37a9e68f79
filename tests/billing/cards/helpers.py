"""Cards and fees for the tests: a card saved on the local Stripe's page (through the
gateway, as the portal does) and appointments that end in a no-show or a cancellation."""

import datetime as dt
import time
from decimal import Decimal

from billing.gateways import stripe as gateway
from billing.models import CancellationTerms, CardSource, FeeBasis, SavedCard
from billing.selectors.cards import current_terms
from billing.services.cards import cancellation_terms_publish, card_on_file_record
from booking.models import Appointment, AppointmentStatus
from booking.services.status import appointment_status_change
from patients.models import Patient
from tests import factories

START = factories.at(10)  # Monday 11 January 2027, 10:00


def terms_in_force() -> CancellationTerms:
    """The current terms: the migration's first version, or (after a transactional test's
    flush took it) the same rules published again."""
    terms = current_terms()
    if terms is None:
        terms = cancellation_terms_publish(
            terms=CancellationTerms(
                body="Cancellation terms.",
                late_cancellation_basis=FeeBasis.PERCENT,
                late_cancellation_value=Decimal("50"),
                no_show_basis=FeeBasis.PERCENT,
                no_show_value=Decimal("100"),
            ),
            by=None,
            now=factories.NOW,
        )
    return terms


def saved_card(online_payments, patient: Patient, *, card: str = "succeeds") -> SavedCard:
    """The patient saves `card` on a hosted setup page; the clinic records it under the
    current terms ("succeeds" 4242, "declined" 0341, "authentication_always" 3184)."""
    page = gateway.setup_checkout_create(
        reference=f"patient-{patient.pk}",
        description="Card kept for the cancellation terms",
        currency="GBP",
        success_url="http://clinic.test/saved/",
        cancel_url="http://clinic.test/card/",
        idempotency_key=f"test-setup-{time.time_ns()}",
        metadata={"patient": str(patient.pk)},
    )
    answer = online_payments.save_card(page.url, card=card)
    if answer.status_code == 200:  # the bank's challenge
        answer = online_payments.authenticate(page.url)
    assert answer.status_code == 303, answer.text
    details = gateway.saved_card_of_session(page.session_id)
    assert details is not None
    return card_on_file_record(
        patient=patient,
        card=details,
        terms=terms_in_force(),
        now=factories.NOW,
        source=CardSource.PORTAL,
    )


def confirmed(
    clinic: factories.Clinic, patient: Patient, start: dt.datetime = START
) -> Appointment:
    return factories.appointment(clinic, patient, start, status=AppointmentStatus.CONFIRMED)


def no_show(clinic: factories.Clinic, patient: Patient, *, by=None) -> Appointment:
    appointment = confirmed(clinic, patient)
    return appointment_status_change(
        appointment=appointment,
        action="no_show",
        now=START + dt.timedelta(minutes=20),
        by=by or factories.clerk(),
    )


def cancelled(
    clinic: factories.Clinic, patient: Patient, *, hours_before: int, by=None
) -> Appointment:
    appointment = confirmed(clinic, patient)
    return appointment_status_change(
        appointment=appointment,
        action="cancel",
        now=START - dt.timedelta(hours=hours_before),
        by=by or factories.clerk(),
        reason="Called the desk",
    )
