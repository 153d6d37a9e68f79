"""One voucher spent from two desks at once, on PostgreSQL with real threads
(``transaction=True``): its balance never goes below zero; the second desk is told what
is left."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import Payment, PaymentMethod, VoucherRedemption
from billing.selectors.vouchers import voucher_figures
from billing.services.errors import BillingError
from billing.services.vouchers import voucher_redeem_on_invoice
from tests import factories
from tests.billing.services.test_vouchers import paid_voucher
from tests.factories import NOW

BARRIER_TIMEOUT = 10


@pytest.mark.django_db(transaction=True)
def test_two_desks_spending_most_of_a_voucher_at_once_spend_it_once(patient, dana, erin):
    voucher, code = paid_voucher(patient, "50.00")
    invoices = {dana: factories.invoice(dana, "60.00"), erin: factories.invoice(erin, "60.00")}
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT)
    by = factories.clerk()

    def spend(who):
        try:
            barrier.wait()
            return voucher_redeem_on_invoice(
                code=code,
                invoice_id=invoices[who].pk,
                patient=who,
                amount=Decimal("40.00"),
                by=by,
                now=NOW,
            )
        except BillingError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(spend, [dana, erin]))

    assert sum(isinstance(o, VoucherRedemption) for o in outcomes) == 1
    (refused,) = [o for o in outcomes if isinstance(o, BillingError)]
    assert refused.code == "voucher_short"
    assert refused.message == "The voucher has only £10.00 left."
    assert voucher_figures(voucher).balance == Decimal("10.00")
    assert Payment.objects.filter(method=PaymentMethod.VOUCHER).count() == 1
