"""The patient page's money: invoices, latest payments, credit and each appointment's
state, read in the same number of queries however much there is."""

import datetime as dt

from django.urls import reverse

from billing.services.invoices import invoice_draft_for_appointment, invoice_issue
from booking.models import AppointmentStatus
from tests import factories
from tests.factories import MONDAY, NOW, at


def history(clinic, patient, count, *, first=0):
    """`count` completed sessions (one a day from MONDAY + `first` days), each invoiced,
    issued and paid in part."""
    by = factories.clerk()
    for n in range(count):
        seen = factories.appointment(
            clinic,
            patient,
            at(10, day=MONDAY + dt.timedelta(days=first + n)),
            status=AppointmentStatus.COMPLETED,
        )
        invoice = invoice_draft_for_appointment(appointment=seen, created_by=by)
        invoice = invoice_issue(invoice=invoice, issued_by=by, now=NOW)
        factories.payment(patient, "50.00", (invoice, "25.00"))


def test_the_patient_page_reads_money_in_fixed_queries(
    desk, clinic, patient, django_assert_num_queries
):
    url = reverse("patients_staff:patient", args=[patient.pk])
    for first, count in ((0, 1), (1, 12)):
        history(clinic, patient, count, first=first)
        # signed in (5); the patient; log the view; appointments; counts; intake status;
        # waitlist; locations; money states (1); invoices with balances and their lines
        # (2); credit (1); latest payments (1); packages with their credits (1); the texts
        # panel (consent history, texts, replies, emails, the failing-number check: 5)
        with django_assert_num_queries(5 + 7 + 6 + 5):
            response = desk.get(url)
        assert response.status_code == 200
        assert "Part paid" in response.text
        assert "Latest payments" in response.text


def test_the_front_desk_sees_money_but_not_a_practitioner_without_billing(client, clinic, patient):
    from clinic.roles import PRACTITIONER

    history(clinic, patient, 1)
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    response = client.get(reverse("patients_staff:patient", args=[patient.pk]))
    assert response.status_code == 200
    assert response.context["money"] is None
    assert "Invoices and payments" not in response.text
