"""A no-show fee charged to a saved card from the desk, in Chromium: the patient saved a
card on the local Stripe's page under the cancellation terms, missed the appointment, and
the receptionist (signed in with both factors) charges the fee from the fees page and sees
it paid, the card charged off-session through stripe-python."""

import pytest

from billing.models import FeeProposal, FeeStatus, Payment
from billing.selectors import MoneyState, invoice_balance
from clinic.roles import RECEPTIONIST
from tests import factories
from tests.billing.cards.helpers import no_show, saved_card
from tests.browser.visitor import Visitor, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "desk-pass-for-tests"


def test_the_desk_charges_a_no_show_fee_to_the_saved_card(
    chromium, live_server, online_payments, request
):
    clinic = factories.clinic()
    patient = factories.patient()
    card = saved_card(online_payments, patient)
    appointment = no_show(clinic, patient)
    fee = FeeProposal.objects.get(appointment=appointment)
    assert fee.status == FeeStatus.PROPOSED

    desk = Visitor.start(chromium, base_url=live_server.url, name=request.node.name)
    try:
        rita = factories.staff(username="rita", role=RECEPTIONIST, password=PASSWORD)
        sign_in(desk, rita, password=PASSWORD)
        desk.visit("/staff/billing/fees/")
        text = desk.text()
        assert "Charlie Patient" in text
        assert "Missed appointment" in text
        assert f"Visa ending {card.last4}" in text
        desk.shot("billing-fees-waiting")

        desk.click("Charge £75.00 to the card")

        text = desk.text()
        assert "£75.00 charged" in text
        assert "No fees waiting." in text
        assert "Charged" in text
        desk.shot("billing-fee-charged")
        desk.visit(f"/staff/billing/patients/{patient.pk}/")
        assert "Paid" in desk.text()
    finally:
        desk.close()

    fee.refresh_from_db()
    assert fee.status == FeeStatus.CHARGED
    assert invoice_balance(fee.invoice).state == MoneyState.PAID
    payment = Payment.objects.get()
    assert payment.provider_reference == fee.payment_intent
