"""Gap-free invoice numbers under real concurrency, on PostgreSQL, with real threads
(``transaction=True``: issues inside the test's own transaction would race no one)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from billing.models import DocumentKind, Invoice
from billing.services.invoices import invoice_issue
from billing.services.numbers import next_number
from tests import factories
from tests.factories import NOW

THREADS = 20
BARRIER_TIMEOUT = 10


@pytest.mark.django_db(transaction=True)
def test_twenty_desks_issuing_at_once_make_no_gap_and_no_duplicate():
    # One patient each: the sequence row is the only lock they share.
    patients = [factories.patient(first_name=f"Payer{n}") for n in range(THREADS)]
    drafts = [factories.invoice(patient, "60.00", issued=False) for patient in patients]
    by = factories.clerk()
    barrier = threading.Barrier(THREADS, timeout=BARRIER_TIMEOUT)

    def issue(draft):
        try:
            barrier.wait()
            return invoice_issue(invoice=draft, issued_by=by, now=NOW).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        numbers = list(pool.map(issue, drafts))

    assert sorted(numbers) == [f"INV-{n:06d}" for n in range(1, THREADS + 1)]
    assert Invoice.objects.filter(number__isnull=False).count() == THREADS


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_issue_leaves_no_gap(patient):
    first, second = (factories.invoice(patient, issued=False) for _ in range(2))

    def issue_then_fail():
        with transaction.atomic():
            invoice_issue(invoice=first, issued_by=factories.clerk(), now=NOW)
            raise RuntimeError("the desk's connection dropped")

    with pytest.raises(RuntimeError):
        issue_then_fail()
    first.refresh_from_db()
    assert first.number is None
    assert invoice_issue(invoice=second, issued_by=factories.clerk(), now=NOW).number == (
        "INV-000001"
    )


@pytest.mark.django_db
def test_each_kind_counts_on_its_own(settings):
    with transaction.atomic():
        assert next_number(kind=DocumentKind.INVOICE) == "INV-000001"
        assert next_number(kind=DocumentKind.CREDIT_NOTE) == "CN-000001"
        assert next_number(kind=DocumentKind.INVOICE) == "INV-000002"
