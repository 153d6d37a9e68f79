"""Fees for no-shows and late cancellations: proposed by the status change, then charged
to the saved card on the local Stripe (through stripe-python), invoiced, or waived."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from billing.links import invoice_id_from_pay_token
from billing.models import (
    FeeBasis,
    FeeKind,
    FeeProposal,
    FeeStatus,
    InvoiceStatus,
    Payment,
    PaymentMethod,
)
from billing.selectors import invoice_balance
from billing.selectors.cards import current_terms
from billing.services.cards import cancellation_terms_publish, card_remove
from billing.services.errors import BillingError
from billing.services.fees import fee_charge, fee_invoice, fee_waive
from booking.models import AppointmentStatus
from clinic.stripe_client import stripe_client
from tests import factories
from tests.billing.cards.helpers import START, cancelled, no_show, saved_card

pytestmark = pytest.mark.django_db

DECIDED = START + dt.timedelta(hours=2)
PRICE = Decimal("75.00")  # the initial assessment


def test_a_no_show_proposes_the_full_fee(clinic, patient):
    appointment = no_show(clinic, patient)
    proposal = FeeProposal.objects.get(appointment=appointment)
    assert proposal.kind == FeeKind.NO_SHOW
    assert proposal.amount == PRICE
    assert proposal.status == FeeStatus.PROPOSED
    assert proposal.card is None
    assert proposal.terms == current_terms()


def test_a_late_cancellation_proposes_half(clinic, patient):
    appointment = cancelled(clinic, patient, hours_before=3)
    assert appointment.status == AppointmentStatus.LATE_CANCELLED
    proposal = FeeProposal.objects.get(appointment=appointment)
    assert proposal.kind == FeeKind.LATE_CANCELLATION
    assert proposal.amount == Decimal("37.50")


def test_a_cancellation_in_time_proposes_nothing(clinic, patient):
    appointment = cancelled(clinic, patient, hours_before=48)
    assert appointment.status == AppointmentStatus.CANCELLED
    assert not FeeProposal.objects.exists()


def test_the_fee_follows_the_terms_agreed_with_the_card(clinic, patient, online_payments):
    card = saved_card(online_payments, patient)
    terms = current_terms()
    assert terms is not None
    terms.no_show_basis = FeeBasis.AMOUNT
    terms.no_show_value = Decimal("10.00")
    cancellation_terms_publish(terms=terms, by=None, now=factories.NOW)

    proposal = FeeProposal.objects.get(appointment=no_show(clinic, patient))

    assert proposal.terms == card.terms
    assert proposal.amount == PRICE  # 100 % under version 1, not £10
    assert proposal.card == card


def test_charging_the_saved_card_pays_the_fee_invoice(
    clinic, patient, rita, online_payments, django_capture_on_commit_callbacks
):
    saved_card(online_payments, patient)
    proposal = FeeProposal.objects.get(appointment=no_show(clinic, patient))

    with django_capture_on_commit_callbacks(execute=True):
        charged = fee_charge(proposal=proposal, by=rita, now=DECIDED)

    assert charged.status == FeeStatus.CHARGED
    invoice = charged.invoice
    assert invoice.status == InvoiceStatus.ISSUED
    [line] = invoice.lines.all()
    assert line.description.startswith("Missed appointment fee: ")
    assert line.gross == PRICE
    assert invoice_balance(invoice).outstanding == 0
    payment = Payment.objects.get()
    assert payment == charged.payment
    assert (payment.method, payment.amount) == (PaymentMethod.ONLINE, PRICE)
    assert payment.provider_reference == charged.payment_intent
    intent = stripe_client().v1.payment_intents.retrieve(charged.payment_intent)
    assert (intent.status, intent.amount) == ("succeeded", 7500)
    [receipt] = mail.outbox
    assert receipt.subject.startswith("Your receipt is ready")


def test_a_deposit_held_for_the_appointment_is_used_first(clinic, patient, rita, online_payments):
    saved_card(online_payments, patient)
    appointment = no_show(clinic, patient)
    deposit = Payment.objects.create(
        patient=patient,
        method=PaymentMethod.CARD,
        amount=Decimal("20.00"),
        currency="GBP",
        received_at=factories.NOW,
        appointment=appointment,
    )
    proposal = FeeProposal.objects.get(appointment=appointment)

    charged = fee_charge(proposal=proposal, by=rita, now=DECIDED)

    assert charged.payment.amount == Decimal("55.00")
    intent = stripe_client().v1.payment_intents.retrieve(charged.payment_intent)
    assert intent.amount == 5500
    assert invoice_balance(charged.invoice).outstanding == 0
    assert deposit.allocations.get().invoice == charged.invoice


@pytest.mark.parametrize(
    ("card", "why"),
    [("declined", "Declined"), ("authentication_always", "confirm the payment")],
)
def test_a_card_that_fails_leaves_an_unpaid_invoice_and_emails_its_pay_link(
    clinic, patient, rita, online_payments, django_capture_on_commit_callbacks, card, why
):
    saved_card(online_payments, patient, card=card)
    proposal = FeeProposal.objects.get(appointment=no_show(clinic, patient))

    with django_capture_on_commit_callbacks(execute=True):
        failed = fee_charge(proposal=proposal, by=rita, now=DECIDED)

    assert failed.status == FeeStatus.FAILED
    assert why in failed.failure_reason
    assert failed.payment is None
    assert not Payment.objects.exists()
    assert invoice_balance(failed.invoice).outstanding == PRICE
    [message] = mail.outbox
    assert message.to == [patient.email]
    assert "could not take the payment" in message.body
    token = message.body.split("/pay/")[1].split("/")[0]
    assert invoice_id_from_pay_token(token) == failed.invoice.pk
    for private in ("needling", "Missed appointment", "assessment"):
        assert private not in message.body
        assert private not in message.alternatives[0][0]
    with pytest.raises(BillingError, match="already dealt with"):
        fee_charge(proposal=failed, by=rita, now=DECIDED)


def test_waiving_needs_a_reason_and_invoices_nothing(clinic, patient, rita):
    proposal = FeeProposal.objects.get(appointment=no_show(clinic, patient))
    with pytest.raises(BillingError, match="Say why"):
        fee_waive(proposal=proposal, by=rita, reason="  ", now=DECIDED)

    waived = fee_waive(proposal=proposal, by=rita, reason="Ill, first time", now=DECIDED)

    assert (waived.status, waived.waive_reason, waived.invoice) == (
        FeeStatus.WAIVED,
        "Ill, first time",
        None,
    )
    assert waived.decided_by == rita
    assert not patient.invoices.exists()
    with pytest.raises(BillingError, match="already dealt with"):
        fee_invoice(proposal=waived, by=rita, now=DECIDED)


def test_a_removed_card_is_never_charged(clinic, patient, rita, online_payments):
    card = saved_card(online_payments, patient)
    proposal = FeeProposal.objects.get(appointment=no_show(clinic, patient))
    card_remove(patient=patient, card=card, now=factories.NOW)

    with pytest.raises(BillingError, match="no saved card"):
        fee_charge(proposal=proposal, by=rita, now=DECIDED)

    assert not patient.invoices.exists()
    proposal.refresh_from_db()
    assert proposal.status == FeeStatus.PROPOSED
    assert not Payment.objects.exists()


def test_without_a_card_the_desk_invoices_the_fee_with_a_pay_link(
    clinic, patient, rita, django_capture_on_commit_callbacks
):
    proposal = FeeProposal.objects.get(appointment=no_show(clinic, patient))
    with django_capture_on_commit_callbacks(execute=True):
        invoiced = fee_invoice(proposal=proposal, by=rita, now=DECIDED)
    assert invoiced.status == FeeStatus.INVOICED
    assert invoice_balance(invoiced.invoice).outstanding == PRICE
    [message] = mail.outbox
    assert "could not take" not in message.body
    assert "/pay/" in message.body
