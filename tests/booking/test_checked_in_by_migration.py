"""booking 0020: sessions that took place before `checked_in_by` existed get, from their
change history, the user who first checked them in or completed them; nobody when the
history does not say. Bob's care relationships follow (decision 0077)."""

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus
from clinic.roles import PRACTITIONER
from patients.selectors import ClinicalAccess, clinical_access
from tests import factories
from tests.factories import NOW, at, book

migration = importlib.import_module("booking.migrations.0019_appointment_checked_in_by")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def take(user, appointment: Appointment, action: str) -> None:
    client = factories.signed_in(Client(), user)
    url = reverse("staff:appointment_status", args=[appointment.reference])
    assert client.post(url, {"action": action}).status_code == 302


def test_arrivals_before_the_upgrade_are_read_from_the_history(
    clinic, patient, dana, rita, time_machine
):
    bob = factories.in_role(clinic.bob.user, PRACTITIONER)
    dana_with_bob = book(clinic, dana, at(9), practitioner=clinic.bob, booked_by=bob)
    charlie_with_bob = book(clinic, patient, at(13), practitioner=clinic.bob, booked_by=bob)
    upcoming = book(
        clinic, patient, at(15), practitioner=clinic.bob, booked_by=bob, service=clinic.follow_up
    )
    # A session written straight into the table, as an import does: no user in its history.
    imported = factories.past_session(clinic, patient, 0, practitioner=clinic.bob)
    time_machine.move_to(at(8, 55), tick=False)
    take(rita, dana_with_bob, "check_in")  # the desk saw Dana arrive
    time_machine.move_to(at(14, 30), tick=False)
    take(bob, dana_with_bob, "complete")
    take(bob, charlie_with_bob, "complete")  # Bob alone
    # As they were before the upgrade.
    Appointment.objects.update(checked_in_by=None)
    assert clinical_access(bob, dana) is ClinicalAccess.NONE

    migration.record_who_saw_arrivals(apps, None)

    found = dict(Appointment.objects.values_list("pk", "checked_in_by"))
    assert found == {
        dana_with_bob.pk: rita.pk,
        charlie_with_bob.pk: bob.pk,
        upcoming.pk: None,
        imported.pk: None,
    }
    assert clinical_access(bob, dana) is ClinicalAccess.CARE
    # Charlie's imported session was booked by nobody on the staff: it still counts.
    assert clinical_access(bob, patient) is ClinicalAccess.CARE
    Appointment.objects.filter(pk=imported.pk).update(status=AppointmentStatus.CANCELLED)
    assert clinical_access(bob, patient) is ClinicalAccess.NONE
