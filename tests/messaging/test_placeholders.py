"""The words of each text: flat placeholders, one part with a typical name and address."""

import datetime as dt
import zoneinfo

import pytest

from messaging import catalogue
from messaging.placeholders import appointment_placeholders, render_text, when
from messaging.segments import count
from tests import factories
from tests.factories import at

TYPICAL = {
    "first_name": "Charlotte",  # longer than most
    "clinic_name": "Riverside Dry Needling Clinic",
    "clinic_phone": "020 7946 0000",
    "when": "Wed 30 Dec, 14:30",
    "place": "Riverside",
    "practitioner": "Alice Practitioner",
    "service": "Follow-up",
    "link": "https://clinic.example/t/abcd2345",
    "minutes": "30",
    "decline_link": "https://clinic.example/t/efgh6789",
}


@pytest.mark.django_db  # the manager's wording is looked up
@pytest.mark.parametrize("kind", [k.name for k in catalogue.by_channel(catalogue.TEXT)])
def test_each_text_fits_one_part(kind):
    body = render_text(kind, TYPICAL)
    assert count(body).parts == 1, (len(body), body)
    assert TYPICAL["link"] in body
    assert "{" not in body


@pytest.mark.django_db
def test_the_reminder_asks_for_a_reply():
    assert render_text("reminder", TYPICAL).endswith("Reply C to confirm, X to cancel.")


@pytest.mark.django_db
def test_nothing_is_escaped():
    body = render_text("booked", TYPICAL | {"first_name": "O'Neil & <Co>"})
    assert "O'Neil & <Co>" in body


def test_when_is_on_the_locations_clock():
    summer = dt.datetime(2027, 7, 6, 13, 30, tzinfo=dt.UTC)
    assert when(summer, zoneinfo.ZoneInfo("Europe/London")) == "Tue 6 Jul, 14:30"


def test_an_appointments_placeholders(clinic, patient):
    appointment = factories.appointment(clinic, patient, at(9))
    assert appointment_placeholders(appointment, link="https://x.example/t/a") == {
        "first_name": "Charlie",
        "clinic_name": TYPICAL["clinic_name"],
        "clinic_phone": TYPICAL["clinic_phone"],
        "when": "Mon 11 Jan, 09:00",
        "place": "Riverside",
        "practitioner": "Alice Practitioner",
        "service": "Initial assessment and dry needling",
        "link": "https://x.example/t/a",
    }
