"""The desk's fees page and the patient's billing page: what they show, in fixed queries,
logged as reads of each patient's money; the decisions posted from them."""

import datetime as dt

import pytest
from django.urls import reverse

from billing.models import FeeProposal, FeeStatus
from booking.services.status import appointment_status_change
from patients.models import AccessVia, PatientAccessLog
from tests import factories
from tests.billing.cards.helpers import START, confirmed, no_show

pytestmark = pytest.mark.django_db

FEES = reverse("billing_staff:fees")


def no_shows(clinic, numbers: range) -> None:
    """A no-show for each patient numbered, each on an earlier day."""
    for n in numbers:
        patient = factories.patient(first_name=f"P{n}", phone=f"+4411349600{n:02d}")
        appointment = confirmed(clinic, patient, START - dt.timedelta(days=n + 1))
        appointment_status_change(
            appointment=appointment,
            action="no_show",
            now=START,
            by=factories.clerk(),
        )


def test_the_fees_page_reads_in_fixed_queries_and_logs_each_patient(
    desk, clinic, django_assert_num_queries
):
    for numbers in (range(1), range(1, 3)):
        no_shows(clinic, numbers)
        # signed in (5); fees waiting (1); fees decided (1); the access log insert (1)
        with django_assert_num_queries(5 + 3):
            response = desk.get(FEES)
        assert response.status_code == 200
    assert response.text.count("Invoice for a pay link") == 3
    assert (
        PatientAccessLog.objects.filter(record="cancellation fees", via=AccessVia.STAFF).count()
        == 1 + 3
    )


def test_the_desk_waives_a_fee_only_with_a_reason(desk, clinic, patient):
    fee = FeeProposal.objects.get(appointment=no_show(clinic, patient))
    url = reverse("billing_staff:fee_waive", args=[fee.pk])

    refused = desk.post(url, {"reason": ""}, follow=True)
    assert "Say why the fee is waived." in refused.text
    fee.refresh_from_db()
    assert fee.status == FeeStatus.PROPOSED

    desk.post(url, {"reason": "Flu"})
    fee.refresh_from_db()
    assert (fee.status, fee.waive_reason) == (FeeStatus.WAIVED, "Flu")


def test_the_patients_billing_page_shows_the_fee_and_logs_the_read(desk, clinic, patient):
    fee = FeeProposal.objects.get(appointment=no_show(clinic, patient))
    account = reverse("billing_staff:account", args=[patient.pk])
    page = desk.get(account)
    assert "No saved card." in page.text
    assert "Missed appointment" in page.text
    # Decided from the patient's page, the desk comes back to it.
    back = desk.post(reverse("billing_staff:fee_invoice", args=[fee.pk]), {"next": account})
    assert back["Location"] == account
    fee.refresh_from_db()
    assert fee.status == FeeStatus.INVOICED
    assert PatientAccessLog.objects.filter(
        patient=patient, record="invoices and payments", via=AccessVia.STAFF
    ).exists()


def test_a_next_elsewhere_goes_back_to_the_fees_page(desk, clinic, patient):
    fee = FeeProposal.objects.get(appointment=no_show(clinic, patient))
    answer = desk.post(
        reverse("billing_staff:fee_waive", args=[fee.pk]),
        {"reason": "Flu", "next": "https://evil.example/"},
    )
    assert answer["Location"] == FEES


def test_the_appointment_page_offers_the_fee_instead_of_a_full_invoice(desk, clinic, patient):
    """Marked a no-show on the calendar, the appointment's page says what the fee is and
    decides it there: a waiver comes back to the same page."""
    appointment = no_show(clinic, patient)
    page = reverse("staff:appointment", args=[appointment.reference])
    shown = desk.get(page)
    assert "Invoice for a pay link" in shown.text
    assert "Invoice this appointment" not in shown.text
    fee = FeeProposal.objects.get(appointment=appointment)
    answer = desk.post(
        reverse("billing_staff:fee_waive", args=[fee.pk]), {"reason": "Flu", "next": page}
    )
    assert answer.url == page
    after = desk.get(page)
    assert "Waived" in after.text
    assert "Flu" in after.text
    assert "Invoice this appointment" in after.text  # a waived fee leaves the choice


def test_a_practitioner_sees_no_fee_on_the_appointment_page(client, clinic, patient):
    from clinic.roles import PRACTITIONER

    appointment = no_show(clinic, patient)
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    shown = client.get(reverse("staff:appointment", args=[appointment.reference]))
    assert shown.status_code == 200
    assert "Invoice for a pay link" not in shown.text
