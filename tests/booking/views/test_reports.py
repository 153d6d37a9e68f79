"""The manager's reports page and its CSV: manager only."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.services.credit_notes import credit_note_issue
from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from tests import factories
from tests.factories import MONDAY, at


def query(clinic) -> dict:
    return {
        "location": clinic.location.pk,
        "first_day": MONDAY.isoformat(),
        "last_day": MONDAY.isoformat(),
    }


@pytest.mark.parametrize("role", [RECEPTIONIST, PRACTITIONER])
def test_only_the_manager_sees_reports(client, clinic, role):
    factories.signed_in(client, factories.staff(username="someone", role=role))
    assert client.get(reverse("staff:reports"), query(clinic)).status_code == 403
    assert client.get(reverse("staff:reports_csv"), query(clinic)).status_code == 403


def test_the_manager_sees_the_page_and_downloads_the_csv(client, clinic, patient):
    factories.appointment(clinic, patient, at(9), status="completed")
    factories.signed_in(client, factories.staff(username="mia", role=MANAGER))

    page = client.get(reverse("staff:reports"), query(clinic))
    download = client.get(reverse("staff:reports_csv"), query(clinic))

    assert page.status_code == 200
    assert "Alice Practitioner" in page.text
    assert "£75.00" in page.text  # in the clinic's currency and locale (clinic.money)
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert ["practitioner", "Alice Practitioner", "14.3", "60", "420"] in rows
    assert ["clinic", "revenue at list prices", "75.00", "", ""] in rows


def test_a_bad_period_is_a_400_with_the_reason(client, clinic):
    factories.signed_in(client, factories.staff(username="mia", role=MANAGER))
    backwards = query(clinic) | {"first_day": "2027-02-01"}

    response = client.get(reverse("staff:reports"), backwards)

    assert response.status_code == 400
    assert "one day to a year" in response.text


def test_names_a_spreadsheet_would_run_are_written_as_text(client, clinic, patient):
    # Room and practitioner names are typed in the admin; in a spreadsheet, a cell that
    # starts with = + - @ runs as a formula.
    clinic.rooms[0].name = '=HYPERLINK("http://evil.example","Room 1")'
    clinic.rooms[0].save()
    clinic.alice.user.first_name, clinic.alice.user.last_name = "@SUM(A1)", "-2+3"
    clinic.alice.user.save()
    factories.appointment(clinic, patient, at(9), status="completed")
    factories.signed_in(client, factories.staff(username="mia", role=MANAGER))

    download = client.get(reverse("staff:reports_csv"), query(clinic))

    rows = list(csv.reader(io.StringIO(download.content.decode())))
    names = [row[1] for row in rows]
    assert '\'=HYPERLINK("http://evil.example","Room 1")' in names
    assert "'@SUM(A1) -2+3" in names
    assert ["revenue", "'@SUM(A1) -2+3", "75.00", "", ""] in rows
    assert not [cell for row in rows for cell in row if cell[:1] in "=+-@\t\r" and cell]


def test_real_revenue_stands_beside_list_prices(client, clinic, patient, django_assert_num_queries):
    session = factories.appointment(clinic, patient, at(9), status="completed")
    elsewhere = factories.appointment(clinic, patient, at(11), status="completed")
    invoice = factories.session_invoice(patient, (session, "70.00"), (None, "30.00"), now=at(10))
    # Half the whole invoice credited: 35.00 of it falls on the session here.
    credit_note_issue(
        invoice=invoice, reason="Goodwill", issued_by=factories.clerk(), now=at(12),
        amount=Decimal("50.00"),
    )  # fmt: skip
    factories.payment(patient, "40.00", (invoice, "40.00"), method="cash", now=at(13))
    hilltop = factories.location(name="Hilltop", slug="hilltop")
    elsewhere.location = hilltop
    elsewhere.room = factories.room(location=hilltop, name="H1")
    elsewhere.save()
    factories.session_invoice(patient, (elsewhere, "55.00"), now=at(14))
    factories.signed_in(client, factories.staff(username="mia", role=MANAGER))
    # signed in (5); active locations (3: the form's default, the chosen one checked, the
    # choices shown); the report (9:
    # booking.scheduling.reports.manager_report); the real revenue (3: lines invoiced here,
    # credit notes' share here, payments received here: billing.selectors.revenue.revenue)
    with django_assert_num_queries(5 + 3 + 9 + 3):
        page = client.get(reverse("staff:reports"), query(clinic))
    text = page.text
    assert "Revenue at list prices" in text
    assert 'Invoiced (issued, less credit notes)</dt><dd class="col-sm-7">£35.00' in text
    assert 'Paid (payments received here)</dt><dd class="col-sm-7">£40.00' in text
