"""The manager records a practitioner's professional registration number (printed on
invoices for insurers) on the practitioner's admin page."""

import pytest
from django.urls import reverse

from clinic.roles import MANAGER
from tests import factories
from tests.booking.test_admin_photos import as_posted, change_url


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="morgan", role=MANAGER))


def test_the_manager_records_a_registration_number(manager, clinic):
    page = manager.get(change_url(clinic.alice))
    assert "Professional registration number" in page.text

    response = manager.post(
        change_url(clinic.alice), as_posted(page, registration_number="HCPC PH123456")
    )

    assert response.status_code == 302
    assert response.url == reverse("admin:booking_practitioner_changelist")
    clinic.alice.refresh_from_db()
    assert clinic.alice.registration_number == "HCPC PH123456"
