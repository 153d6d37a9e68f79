"""Taking payments at the desk, using credit, and the patient's account."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Payment
from billing.selectors import MoneyState, invoice_balance, patient_credit
from booking.models import AppointmentStatus
from tests import factories
from tests.factories import at


def url(name, *args):
    return reverse(f"billing_staff:{name}", args=args)


def pay(desk, patient, amount, *paid, method="card", key="key-1"):
    data = {"method": method, "amount": amount, "reference": "T123", "idempotency_key": key}
    data |= {f"invoice_{invoice.pk}": part for invoice, part in paid}
    return desk.post(url("payment_new", patient.pk), data)


def test_one_payment_across_two_invoices_and_the_rest_as_credit(desk, patient):
    first, second = factories.invoice(patient, "60.00"), factories.invoice(patient, "45.00")
    form = desk.get(url("payment_new", patient.pk))
    assert "INV-000001: £60.00 outstanding" in form.text

    response = pay(desk, patient, "120.00", (first, "60.00"), (second, "45.00"))
    assert response.status_code == 302
    assert invoice_balance(first).state == invoice_balance(second).state == MoneyState.PAID
    assert patient_credit(patient.pk) == Decimal("15.00")
    account = desk.get(url("account", patient.pk)).text
    assert "£15.00" in account


def test_a_double_click_records_once(desk, patient):
    invoice = factories.invoice(patient, "60.00")
    pay(desk, patient, "60.00", (invoice, "60.00"))
    pay(desk, patient, "60.00", (invoice, "60.00"))
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "part", "message"),
    [
        ("0", "", "greater than or equal to 0.01"),
        ("-10", "", "greater than or equal to 0.01"),
        ("10.001", "", "no more than 2 decimal places"),
        ("80.00", "60.01", "less than or equal to 60.00"),
        ("30.00", "40.00", "add up to more than the payment"),
    ],
)
def test_bad_amounts_are_form_errors_and_record_nothing(desk, patient, amount, part, message):
    invoice = factories.invoice(patient, "60.00")
    response = pay(desk, patient, amount, *([(invoice, part)] if part else []))
    assert response.status_code == 400
    assert message in response.text
    assert not Payment.objects.exists()


def test_another_patients_invoice_is_refused(desk, patient, dana):
    theirs = factories.invoice(dana, "60.00")
    response = pay(desk, patient, "60.00", (theirs, "60.00"))
    assert response.status_code == 400
    assert "no longer owes anything" in response.text
    assert not Payment.objects.exists()
    assert invoice_balance(theirs).outstanding == Decimal("60.00")


def test_an_invoice_paid_at_another_desk_meanwhile_is_a_form_error(desk, patient):
    invoice = factories.invoice(patient, "60.00")
    factories.payment(patient, "60.00", (invoice, "60.00"))  # the other desk, first
    response = pay(desk, patient, "60.00", (invoice, "60.00"))
    assert response.status_code == 400
    assert "no longer owes anything" in response.text
    assert Payment.objects.count() == 1


def test_credit_is_used_on_the_next_invoice(desk, patient):
    factories.payment(patient, "50.00")
    invoice = factories.invoice(patient, "45.00")
    desk.post(url("credit_use", patient.pk), {"invoice": invoice.pk, "amount": "45.00"})
    assert invoice_balance(invoice).state == MoneyState.PAID
    assert patient_credit(patient.pk) == Decimal("5.00")


def test_credit_beyond_what_there_is_is_refused(desk, patient):
    factories.payment(patient, "10.00")
    invoice = factories.invoice(patient, "45.00")
    response = desk.post(
        url("credit_use", patient.pk), {"invoice": invoice.pk, "amount": "20.00"}, follow=True
    )
    assert "more than the patient&#x27;s credit" in response.text
    assert invoice_balance(invoice).paid == 0


def test_the_patient_page_shows_money_states_and_credit(desk, clinic, patient):
    seen = factories.appointment(clinic, patient, at(10), status=AppointmentStatus.COMPLETED)
    missed = factories.appointment(clinic, patient, at(14), status=AppointmentStatus.NO_SHOW)
    desk.post(url("invoice_for_appointment", seen.reference))
    invoice = seen.invoice_lines.get().invoice
    desk.post(url("invoice_issue", invoice.pk))
    factories.payment(patient, "100.00", (invoice, "30.00"))
    page = desk.get(reverse("patients_staff:patient", args=[patient.pk]))
    assert page.context["money"] == {seen.pk: MoneyState.PART_PAID}
    assert "Part paid" in page.text
    assert "£70.00" in page.text  # the credit
    # The no-show can still be invoiced from the list.
    assert url("invoice_for_appointment", missed.reference) in page.text


def test_the_calendar_shows_money_states(desk, clinic, patient):
    seen = factories.appointment(clinic, patient, at(10), status=AppointmentStatus.COMPLETED)
    desk.post(url("invoice_for_appointment", seen.reference))
    invoice = seen.invoice_lines.get().invoice
    desk.post(url("invoice_issue", invoice.pk))
    day = reverse("staff:day", args=[clinic.location.slug]) + "?date=2027-01-11"
    assert "cal-money-unpaid" in desk.get(day).text


def test_the_account_page_reads_in_fixed_queries(desk, patient, django_assert_num_queries):
    for count in (1, 6):
        invoices = [factories.invoice(patient, "10.00") for _ in range(count)]
        factories.payment(patient, "100.00", *[(invoice, "5.00") for invoice in invoices])
        # signed in (5); the patient; log the view; invoices with balances; their lines;
        # payments; their allocations; the allocations' invoices; refunds; the credit;
        # the saved card; the cancellation fees; packages with their credits; whether any
        # package is on sale to sell
        with django_assert_num_queries(5 + 13):
            assert desk.get(url("account", patient.pk)).status_code == 200


def test_a_practitioner_sees_no_money_on_the_calendar(client, clinic, patient):
    from billing.services.invoices import invoice_draft_for_appointment, invoice_issue
    from clinic.roles import PRACTITIONER
    from tests.factories import NOW

    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    seen = factories.appointment(clinic, patient, at(10), status=AppointmentStatus.COMPLETED)
    by = factories.clerk()
    draft = invoice_draft_for_appointment(appointment=seen, created_by=by)
    invoice_issue(invoice=draft, issued_by=by, now=NOW)
    day = reverse("staff:day", args=[clinic.location.slug]) + "?date=2027-01-11"
    response = client.get(day)
    assert response.status_code == 200
    assert response.context["money"] is None
    assert "cal-money" not in response.text
    assert seen.reference in response.text
