"""The cap on upcoming online appointments per patient (BookingPolicy.max_upcoming_online)."""

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment, BookingPolicy
from booking.services.placement import BookingError
from tests import factories
from tests.factories import NOW, at


def book(clinic, patient, hour, *, source="online", patient_cap=True):
    """An online booking, under the cap as the public pages apply it, unless told."""
    return factories.book(clinic, patient, at(hour), source=source, patient_cap=patient_cap)


def test_it_refuses_a_booking_beyond_the_cap_with_a_clear_message(clinic, patient):
    BookingPolicy.objects.filter(pk=1).update(max_upcoming_online=2)
    book(clinic, patient, 9)
    book(clinic, patient, 14)
    with pytest.raises(BookingError) as refused:
        book(clinic, patient, 15)
    assert refused.value.code == "cap"
    assert "2 upcoming appointments" in refused.value.message
    assert "call us" in refused.value.message


def test_it_counts_only_upcoming_online_appointments(clinic, patient):
    BookingPolicy.objects.filter(pk=1).update(max_upcoming_online=1)
    book(clinic, patient, 9, source="front_desk", patient_cap=False)
    book(clinic, patient, 14)  # the front desk's booking does not count
    assert Appointment.objects.count() == 2


def test_it_shows_the_cap_on_the_public_review_page(client, clinic, patient):
    BookingPolicy.objects.filter(pk=1).update(max_upcoming_online=1)
    book(clinic, patient, 9)
    details = {
        "first_name": "Charlie",
        "last_name": "Patient",
        "email": patient.email,
        "phone": "07400 123456",
        "date_of_birth": patient.date_of_birth.isoformat(),
        "start": "20270111T1400Z",
        "practitioner": "any",
    }
    with time_machine.travel(NOW, tick=False):
        client.post(
            reverse("booking:details", args=[clinic.initial.slug, clinic.location.slug]), details
        )
        page = client.post(reverse("booking:review"))
    assert page.status_code == 409
    assert "the most we take online" in page.text
    assert Appointment.objects.count() == 1
