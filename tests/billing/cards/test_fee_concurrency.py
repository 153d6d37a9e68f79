"""Two desks charging one fee at the same moment, on PostgreSQL with real threads: one
payment, one charge at the payment provider, the other desk told it was dealt with."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from billing.models import FeeProposal, FeeStatus, Payment
from billing.services.errors import BillingError
from billing.services.fees import fee_charge
from clinic.roles import RECEPTIONIST
from clinic.stripe_client import stripe_client
from tests import factories
from tests.billing.cards.helpers import START, no_show, saved_card

THREADS = 4
BARRIER_TIMEOUT = 10


@pytest.mark.django_db(transaction=True)
def test_two_desks_charging_one_fee_at_once_charge_it_once(online_payments):
    clinic = factories.clinic()
    patient = factories.patient()
    saved_card(online_payments, patient)
    proposal = FeeProposal.objects.get(appointment=no_show(clinic, patient))
    desks = [factories.staff(username=f"desk{n}", role=RECEPTIONIST) for n in range(THREADS)]
    barrier = threading.Barrier(THREADS, timeout=BARRIER_TIMEOUT)

    def charge(desk):
        try:
            barrier.wait()
            return fee_charge(proposal=proposal, by=desk, now=START + dt.timedelta(hours=1))
        except BillingError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        outcomes = list(pool.map(charge, desks))

    charged = [o for o in outcomes if isinstance(o, FeeProposal)]
    assert len(charged) == 1, outcomes
    assert all(o.code == "decided" for o in outcomes if isinstance(o, BillingError)), outcomes
    payment = Payment.objects.get()
    proposal.refresh_from_db()
    assert proposal.status == FeeStatus.CHARGED
    assert proposal.payment == payment
    intents = stripe_client().v1.payment_intents.list(params={"limit": 100})
    mine = [i for i in intents.data if i.metadata.to_dict().get("fee") == str(proposal.pk)]
    assert [i.id for i in mine] == [payment.provider_reference]
