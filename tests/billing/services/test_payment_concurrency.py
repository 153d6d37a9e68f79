"""Payments under real concurrency, on PostgreSQL, with real threads (``transaction=True``):
two desks never put more against an invoice than it asks, and a double click records once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import Payment, PaymentAllocation
from billing.selectors import invoice_balance
from billing.services.errors import BillingError
from billing.services.payments import Allocation, payment_take
from tests import factories
from tests.factories import NOW

THREADS = 8
BARRIER_TIMEOUT = 10


def race(patient, calls):
    """Run payment_take once per call (its keyword arguments), all released together."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)
    by = factories.clerk()

    def take(options):
        try:
            barrier.wait()
            return payment_take(patient=patient, method="card", taken_by=by, now=NOW, **options)
        except BillingError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(take, calls))


@pytest.mark.django_db(transaction=True)
def test_desks_paying_one_invoice_at_once_never_pay_it_twice(patient):
    invoice = factories.invoice(patient, "60.00")
    part = Allocation(invoice_id=invoice.pk, amount=Decimal("60.00"))
    outcomes = race(patient, [{"amount": Decimal("60.00"), "allocations": [part]}] * THREADS)

    assert sum(isinstance(o, Payment) for o in outcomes) == 1
    assert all(o.code == "over_owed" for o in outcomes if isinstance(o, BillingError)), outcomes
    assert invoice_balance(invoice).paid == Decimal("60.00")
    assert PaymentAllocation.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_at_once_records_one_payment(patient):
    invoice = factories.invoice(patient, "60.00")
    same = {
        "amount": Decimal("60.00"),
        "allocations": [Allocation(invoice_id=invoice.pk, amount=Decimal("60.00"))],
        "idempotency_key": "one-submission",
    }
    outcomes = race(patient, [same] * THREADS)

    assert Payment.objects.count() == 1
    assert {o.pk for o in outcomes} == {Payment.objects.get().pk}
