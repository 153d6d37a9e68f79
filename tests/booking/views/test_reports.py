"""The manager's reports page and its CSV: manager only."""

import csv
import io

import pytest
from django.urls import reverse

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
