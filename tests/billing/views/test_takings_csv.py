"""The accountant's CSV exports: one row per invoice or credit-note line, per payment, per
refund; plain numbers with a dot, ISO dates, no names, every text cell formula-safe."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.services.credit_notes import CreditLine, credit_note_issue, refund_cash
from billing.services.invoices import LineInput, invoice_draft, invoice_issue
from clinic.roles import MANAGER
from tests import factories
from tests.factories import NOW

PERIOD = {"period": "month", "day": "2027-01-10"}


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


def rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def issued(patient, *lines):
    clerk = factories.clerk()
    draft = invoice_draft(patient=patient, lines=list(lines), created_by=clerk)
    return invoice_issue(invoice=draft, issued_by=clerk, now=NOW)


def test_lines_of_invoices_and_credit_notes(manager, patient):
    invoice = issued(
        patient,
        LineInput(
            description='=HYPERLINK("http://x")',
            unit_price=Decimal("50.00"),
            vat_status="standard",
            vat_rate=Decimal("20"),
            nominal_code="4010",
        ),
        LineInput(description="Follow-up", unit_price=Decimal("40.00"), nominal_code="4000"),
    )
    line = invoice.lines.order_by("pk").last()
    credit_note_issue(
        invoice=invoice,
        reason="Cut short",
        issued_by=factories.clerk(),
        now=NOW + dt.timedelta(days=1),
        lines=[CreditLine(line.pk, Decimal("10.00"))],
    )
    table = rows(manager.get(reverse("billing_staff:takings_lines_csv"), PERIOD))
    assert table[0][:4] == ["date", "document", "number", "patient reference"]
    assert table[1] == [
        "2027-01-04",
        "invoice",
        invoice.number,
        f"P{patient.pk:06d}",
        '\'=HYPERLINK("http://x")',
        "4010",
        "50.00",
        "20.00",
        "10.00",
        "60.00",
        "GBP",
    ]
    assert table[2][4:] == ["Follow-up", "4000", "40.00", "0.00", "0.00", "40.00", "GBP"]
    assert table[3][:2] == ["2027-01-05", "credit note"]
    assert table[3][5:] == ["4000", "-10.00", "0.00", "0.00", "-10.00", "GBP"]
    assert patient.last_name not in str(table)


def test_payments_with_the_invoices_they_paid(manager, patient):
    first, second = factories.invoice(patient, "60.00"), factories.invoice(patient, "40.00")
    factories.payment(patient, "120.00", (first, "60.00"), (second, "40.00"), method="cash")
    factories.payment(patient, "5.00", method="card", now=NOW - dt.timedelta(days=30))
    table = rows(manager.get(reverse("billing_staff:takings_payments_csv"), PERIOD))
    assert table[1:] == [
        [
            "2027-01-04",
            "cash",
            "",
            f"P{patient.pk:06d}",
            "120.00",
            "GBP",
            f"{first.number} {second.number}",
        ]
    ]


def test_refunds(manager, patient):
    factories.payment(patient, "20.00", method="cash")
    refund_cash(
        patient=patient,
        amount=Decimal("7.50"),
        refunded_by=factories.clerk(),
        now=NOW,
        reference="-1 drawer",
    )
    table = rows(manager.get(reverse("billing_staff:takings_refunds_csv"), PERIOD))
    assert table[1] == ["2027-01-04", "cash", "'-1 drawer", f"P{patient.pk:06d}", "", "7.50", "GBP"]


@pytest.mark.parametrize(
    ("name", "queries"),
    [("takings_lines_csv", 2), ("takings_payments_csv", 2), ("takings_refunds_csv", 1)],
)
def test_each_export_reads_in_fixed_queries(
    manager, patient, name, queries, django_assert_num_queries
):
    for count in (1, 5):
        for _ in range(count):
            invoice = factories.invoice(patient, "10.00", "5.00")
            factories.payment(patient, "16.00", (invoice, "15.00"))
            refund_cash(
                patient=patient, amount=Decimal("1.00"), refunded_by=factories.clerk(), now=NOW
            )
        # signed in (5); lines and credit-note lines (2), payments and their allocations
        # with invoices (2), or refunds with their credit notes (1)
        with django_assert_num_queries(5 + queries):
            response = manager.get(reverse(f"billing_staff:{name}"), PERIOD)
        assert response.status_code == 200


def test_a_bad_period_is_a_400_not_a_file(manager):
    response = manager.get(reverse("billing_staff:takings_lines_csv"), {"period": "x"})
    assert response.status_code == 400


def test_the_front_desk_cannot_export(desk):
    assert desk.get(reverse("billing_staff:takings_payments_csv"), PERIOD).status_code == 403
