"""The demo's card on file: a no-show fee waiting at the desk, and, when the local Stripe
runs (bin/run starts it first), the patient's test card saved on it, ready to charge."""

import pytest

from billing.models import FeeProposal, FeeStatus, SavedCard
from billing.services.fees import fee_charge
from tests import factories
from tests.clinic.test_demo_clinic import PASSWORD, run_demo

pytestmark = pytest.mark.django_db


def test_without_the_local_stripe_a_fee_waits_and_no_card_is_saved(settings):
    settings.CLINIC_ONLINE_PAYMENTS = False
    out = run_demo("--password", PASSWORD)
    run_demo("--password", PASSWORD)  # again: no second fee

    fee = FeeProposal.objects.get()
    assert fee.status == FeeStatus.PROPOSED
    assert not SavedCard.objects.exists()
    assert f"A no-show fee for {fee.patient.full_name} waits at the desk" in out
    assert "by pay link" in out


def test_with_the_local_stripe_the_patient_has_a_card_the_desk_can_charge(online_payments):
    out = run_demo("--password", PASSWORD)

    fee = FeeProposal.objects.get()
    card = SavedCard.objects.get()
    assert card.patient == fee.patient
    assert "on their saved card" in out
    charged = fee_charge(proposal=fee, by=factories.clerk(), now=fee.proposed_at)
    assert charged.status == FeeStatus.CHARGED
