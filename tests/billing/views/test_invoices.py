"""The desk's invoice pages: from an appointment to an issued invoice."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Invoice, InvoiceStatus
from booking.models import AppointmentStatus
from patients.models import PatientAccessLog
from tests import factories
from tests.factories import at


@pytest.fixture
def completed(clinic, patient):
    return factories.appointment(clinic, patient, at(10), status=AppointmentStatus.COMPLETED)


def url(name, *args):
    return reverse(f"billing_staff:{name}", args=args)


def test_it_invoices_an_appointment_then_issues_it(desk, completed, rita):
    response = desk.post(url("invoice_for_appointment", completed.reference))
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response.url == url("invoice", invoice.pk)

    page = desk.get(response.url)
    assert page.status_code == 200
    assert "Initial assessment and dry needling, 11 Jan 2027 10:00" in page.text
    assert "£75.00" in page.text

    response = desk.post(url("invoice_issue", invoice.pk))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.number == "INV-000001"
    assert invoice.issued_by == rita


def test_the_appointment_page_offers_the_invoice_then_links_it(desk, completed):
    page = reverse("staff:appointment", args=[completed.reference])
    assert "Invoice this appointment" in desk.get(page).text
    desk.post(url("invoice_for_appointment", completed.reference))
    text = desk.get(page).text
    assert "Invoice this appointment" not in text
    assert "Draft invoice" in text


def test_an_appointment_not_yet_seen_cannot_be_invoiced(desk, clinic, patient):
    booked = factories.appointment(clinic, patient, at(10))
    response = desk.post(url("invoice_for_appointment", booked.reference), follow=True)
    assert "Only a completed appointment" in response.text
    assert not Invoice.objects.exists()


def test_each_view_of_an_invoice_is_logged(desk, patient, rita):
    invoice = factories.invoice(patient)
    desk.get(url("invoice", invoice.pk))
    entry = PatientAccessLog.objects.get(record="invoice")
    assert (entry.user, entry.patient, entry.detail) == (rita, patient, "INV-000001")


def test_the_desk_edits_lines_of_a_draft(desk, patient):
    invoice = factories.invoice(patient, "60.00", issued=False)
    line = invoice.lines.get()
    desk.post(
        url("line_add", invoice.pk),
        {
            "description": "Heat pack",
            "quantity": "2",
            "unit_price": "8.33",
            "vat_status": "standard",
            "vat_rate": "20",
            "nominal_code": "4010",
        },
    )
    prefix = f"l{line.pk}"
    desk.post(
        url("line_update", line.pk),
        {
            f"{prefix}-description": "Follow-up",
            f"{prefix}-quantity": "1",
            f"{prefix}-unit_price": "45.00",
            f"{prefix}-vat_status": "exempt",
            f"{prefix}-vat_rate": "0",
            f"{prefix}-nominal_code": "",
        },
    )
    assert invoice.amounts().gross == Decimal("64.99")  # 45.00 + 16.66 + 3.33


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"unit_price": "-5"}, "greater than or equal to 0"),
        ({"unit_price": "5.005"}, "more than 2 decimal places"),
        ({"unit_price": "lots"}, "Enter a number"),
        ({"vat_status": "standard", "vat_rate": "0"}, "needs a VAT rate"),
        ({"quantity": "0"}, "greater than or equal to 1"),
    ],
)
def test_a_bad_line_is_a_form_error_and_adds_nothing(desk, patient, changes, message):
    invoice = factories.invoice(patient, "60.00", issued=False)
    data = {
        "description": "Heat pack",
        "quantity": "1",
        "unit_price": "8.00",
        "vat_status": "exempt",
        "vat_rate": "0",
    }
    response = desk.post(url("line_add", invoice.pk), data | changes)
    assert response.status_code == 400
    assert message in response.text
    assert invoice.lines.count() == 1


def test_an_issued_invoice_refuses_edits_with_a_message(desk, patient):
    invoice = factories.invoice(patient, "60.00")
    line = invoice.lines.get()
    response = desk.post(url("line_remove", line.pk), follow=True)
    assert "correct it with a credit note" in response.text
    assert invoice.lines.count() == 1


def test_a_blank_invoice_for_a_product(desk, patient):
    response = desk.post(url("invoice_new", patient.pk))
    invoice = Invoice.objects.get()
    assert response.url == url("invoice", invoice.pk)
    response = desk.post(url("invoice_issue", invoice.pk), follow=True)
    assert "Add at least one line" in response.text


def test_the_invoice_page_reads_in_fixed_queries(desk, patient, django_assert_num_queries):
    small = factories.invoice(patient, "60.00")
    large = factories.invoice(patient, *["10.00"] * 10)
    factories.payment(patient, "50.00", (large, "50.00"))
    for invoice in (small, large):
        # signed in (5); the invoice with patient and payer; log the view; its lines; its
        # balance; its credit notes; its payments (allocations with payments)
        with django_assert_num_queries(5 + 6):
            assert desk.get(url("invoice", invoice.pk)).status_code == 200


def test_state_changes_are_post_only_with_csrf(desk, patient, rita, completed):
    from django.test import Client

    invoice = factories.invoice(patient, "60.00", issued=False)
    line = invoice.lines.get()
    urls = [
        url("invoice_for_appointment", completed.reference),
        url("invoice_new", patient.pk),
        url("invoice_edit", invoice.pk),
        url("line_add", invoice.pk),
        url("line_update", line.pk),
        url("line_remove", line.pk),
        url("invoice_issue", invoice.pk),
        url("invoice_discard", invoice.pk),
        url("credit_use", patient.pk),
    ]
    strict = factories.signed_in(Client(enforce_csrf_checks=True), rita)
    for address in urls:
        assert desk.get(address).status_code == 405, address
        assert strict.post(address).status_code == 403, address
    assert Invoice.objects.get() == invoice
    assert invoice.lines.get() == line
