import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError

from billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payer,
    Payment,
    PaymentMethod,
    VatStatus,
)
from billing.selectors import invoice_balance, patient_credit
from billing.services.errors import BillingError
from billing.services.invoices import (
    LineInput,
    invoice_discard,
    invoice_draft,
    invoice_draft_for_appointment,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_line_update,
)
from booking.models import AppointmentStatus
from tests import factories
from tests.factories import NOW, at


@pytest.fixture
def by(db):
    return factories.clerk()


def completed(clinic, patient, hour=10, status=AppointmentStatus.COMPLETED):
    return factories.appointment(clinic, patient, at(hour), status=status)


def test_it_drafts_an_invoice_for_a_completed_appointment(clinic, patient, by):
    appointment = completed(clinic, patient)
    invoice = invoice_draft_for_appointment(appointment=appointment, created_by=by)
    line = invoice.lines.get()
    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.number is None
    assert line.appointment == appointment
    assert line.service == clinic.initial
    assert line.unit_price == Decimal("75.00")
    assert line.vat_status == VatStatus.EXEMPT
    assert line.description == "Initial assessment and dry needling, 11 Jan 2027 10:00"
    assert invoice.currency == "GBP"
    assert invoice.created_by == by


@pytest.mark.parametrize(
    ("status", "prefix"),
    [
        (AppointmentStatus.NO_SHOW, "Missed appointment fee"),
        (AppointmentStatus.LATE_CANCELLED, "Late cancellation fee"),
    ],
)
def test_it_invoices_missed_appointments_as_fees(clinic, patient, by, status, prefix):
    appointment = completed(clinic, patient, status=status)
    invoice = invoice_draft_for_appointment(appointment=appointment, created_by=by)
    assert invoice.lines.get().description.startswith(prefix)


@pytest.mark.parametrize("status", [AppointmentStatus.CONFIRMED, AppointmentStatus.CANCELLED])
def test_it_refuses_an_appointment_that_cannot_be_invoiced(clinic, patient, by, status):
    appointment = completed(clinic, patient, status=status)
    with pytest.raises(BillingError, match="Only a completed appointment"):
        invoice_draft_for_appointment(appointment=appointment, created_by=by)
    assert not Invoice.objects.exists()


def test_it_invoices_an_appointment_once(clinic, patient, by):
    appointment = completed(clinic, patient)
    invoice_draft_for_appointment(appointment=appointment, created_by=by)
    with pytest.raises(BillingError, match="already invoiced"):
        invoice_draft_for_appointment(appointment=appointment, created_by=by)
    assert Invoice.objects.count() == 1


def test_the_database_refuses_a_second_line_for_one_appointment(clinic, patient, by):
    appointment = completed(clinic, patient)
    invoice = invoice_draft_for_appointment(appointment=appointment, created_by=by)
    with pytest.raises(IntegrityError):
        InvoiceLine.objects.create(
            invoice=invoice, description="Again", unit_price=1, appointment=appointment
        )


def test_a_second_draft_racing_for_an_appointment_saves_nothing(clinic, patient, by):
    appointment = completed(clinic, patient)
    invoice_draft_for_appointment(appointment=appointment, created_by=by)
    line = LineInput(description="Again", unit_price=Decimal(1), appointment=appointment)
    with pytest.raises(BillingError, match="already invoiced"):
        invoice_draft(patient=patient, lines=[line], created_by=by)
    assert Invoice.objects.count() == 1


def test_it_drafts_any_lines(patient, by):
    heat_pack = LineInput(
        description="Heat pack",
        unit_price=Decimal("8.33"),
        quantity=2,
        vat_status=VatStatus.STANDARD,
        vat_rate=Decimal(20),
        nominal_code="4010",
    )
    invoice = invoice_draft(patient=patient, lines=[heat_pack], created_by=by)
    assert invoice.amounts().gross == Decimal("19.99")  # 16.66 + 3.33


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"unit_price": Decimal("-1")}, "greater than or equal to 0"),
        ({"unit_price": Decimal("1.234")}, "2 decimal places"),
        ({"quantity": 0}, "greater than or equal to 1"),
        ({"vat_status": VatStatus.STANDARD}, "needs a VAT rate"),
        ({"vat_rate": Decimal(20)}, "has a VAT rate of 0"),
        ({"description": ""}, "blank"),
    ],
)
def test_it_refuses_a_bad_line_and_saves_nothing(patient, by, changes, message):
    line = LineInput(**{"description": "Session", "unit_price": Decimal(60)} | changes)
    with pytest.raises(BillingError, match=message):
        invoice_draft(patient=patient, lines=[line], created_by=by)
    assert not Invoice.objects.exists()


def test_it_edits_lines_only_while_draft(patient, by):
    invoice = factories.invoice(patient, "60.00", issued=False)
    line = invoice.lines.get()
    invoice_line_update(
        line=line,
        description="Follow-up",
        quantity=1,
        unit_price=Decimal("45.00"),
        vat_status=VatStatus.EXEMPT,
        vat_rate=Decimal(0),
        nominal_code="",
    )
    extra = invoice_line_add(
        invoice=invoice, line=LineInput(description="Heat pack", unit_price=Decimal(8))
    )
    invoice_line_remove(line=extra)
    invoice_issue(invoice=invoice, issued_by=by, now=NOW)
    line.refresh_from_db()
    assert line.gross == Decimal("45.00")
    with pytest.raises(BillingError, match="credit note"):
        invoice_line_add(invoice=invoice, line=LineInput(description="More", unit_price=Decimal(1)))
    with pytest.raises(BillingError, match="credit note"):
        invoice_line_remove(line=line)
    with pytest.raises(BillingError, match="credit note"):
        invoice_discard(invoice=invoice)
    assert invoice.lines.count() == 1


def test_issuing_numbers_the_invoice_and_stores_its_figures(patient, by, settings):
    settings.CLINIC_INVOICE_DUE_DAYS = 30
    first = factories.invoice(patient, "60.00", "45.50")
    second = factories.invoice(patient, "10.00")
    first.refresh_from_db()
    assert (first.number, second.number) == ("INV-000001", "INV-000002")
    assert (first.net_total, first.tax_total, first.total) == (
        Decimal("105.50"),
        Decimal("0.00"),
        Decimal("105.50"),
    )
    assert first.issued_at == NOW
    assert first.issued_by == by
    assert first.due_on == dt.date(2027, 2, 3)
    assert [line.gross for line in first.lines.all()] == [Decimal("60.00"), Decimal("45.50")]


def test_the_prefix_comes_from_settings(patient, settings):
    settings.CLINIC_INVOICE_PREFIX = "RDN/"
    assert factories.invoice(patient).number == "RDN/000001"


def test_it_refuses_to_issue_an_empty_invoice(patient, by):
    invoice = invoice_draft(patient=patient, lines=[], created_by=by)
    with pytest.raises(BillingError, match="at least one line"):
        invoice_issue(invoice=invoice, issued_by=by, now=NOW)
    invoice.refresh_from_db()
    assert invoice.number is None


def test_it_refuses_to_issue_twice(patient, by):
    invoice = factories.invoice(patient)
    with pytest.raises(BillingError, match="is issued"):
        invoice_issue(invoice=invoice, issued_by=by, now=NOW)


def test_a_draft_can_be_discarded(patient):
    invoice = factories.invoice(patient, issued=False)
    invoice_discard(invoice=invoice)
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


def test_issuing_takes_a_fixed_number_of_queries(patient, by, django_assert_num_queries):
    small = factories.invoice(patient, "60.00", issued=False)
    large = factories.invoice(patient, *["10.00"] * 12, issued=False)
    factories.invoice(patient)  # the sequence row exists, as it does after the first issue
    for draft in (small, large):
        # savepoint; lock the patient; lock the invoice; read the lines; store their
        # figures (one UPDATE); make the sequence row if missing; lock it; save the number;
        # save the invoice; release the savepoint
        with django_assert_num_queries(10):
            invoice_issue(invoice=draft, issued_by=by, now=NOW)


def _taken_towards(appointment, amount: str) -> Payment:
    return Payment.objects.create(
        patient=appointment.patient,
        method=PaymentMethod.CASH,
        amount=Decimal(amount),
        currency="GBP",
        received_at=NOW,
        appointment=appointment,
    )


def test_what_was_taken_towards_an_appointment_pays_its_invoice_when_issued(clinic, patient, by):
    appointment = completed(clinic, patient)
    deposit = _taken_towards(appointment, "20.00")
    other = completed(clinic, patient, hour=14)
    _taken_towards(other, "30.00")  # another appointment's: not this invoice's
    invoice = invoice_issue(
        invoice=invoice_draft_for_appointment(appointment=appointment, created_by=by),
        issued_by=by,
        now=NOW,
    )
    assert invoice_balance(invoice).outstanding == Decimal("55.00")
    assert deposit.allocations.get().invoice == invoice
    assert patient_credit(patient.pk) == Decimal("30.00")


def test_more_taken_than_the_invoice_asks_stays_the_patients_credit(clinic, patient, by):
    appointment = completed(clinic, patient, status=AppointmentStatus.NO_SHOW)
    _taken_towards(appointment, "50.00")
    draft = invoice_draft_for_appointment(appointment=appointment, created_by=by)
    line = draft.lines.get()
    line.unit_price = Decimal("40.00")
    line.save()
    invoice = invoice_issue(invoice=draft, issued_by=by, now=NOW)
    assert invoice_balance(invoice).outstanding == Decimal("0.00")
    assert patient_credit(patient.pk) == Decimal("10.00")


def test_an_insurers_invoice_leaves_the_patients_deposit_alone(clinic, patient, by):
    appointment = completed(clinic, patient)
    _taken_towards(appointment, "20.00")
    insurer = Payer.objects.create(name="Bupa", kind="insurer")
    draft = invoice_draft_for_appointment(appointment=appointment, created_by=by)
    draft.payer = insurer
    draft.save()
    invoice_issue(invoice=draft, issued_by=by, now=NOW)
    assert patient_credit(patient.pk) == Decimal("20.00")
