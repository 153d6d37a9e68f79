"""Public writes are rate-limited per address (and per email), with a friendly page:
a handful of anonymous POSTs can no longer hold every time of a day, nor send an email
per booking or waitlist sign-up without end."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from booking.models import Appointment, SlotHold, WaitlistEntry
from tests.factories import NOW

DETAILS = {
    "first_name": "Dana",
    "last_name": "Visitor",
    "email": "dana@example.com",
    "phone": "07400 123456",
    "date_of_birth": "1990-02-03",
}
STARTS = ["20270111T0900Z", "20270111T1015Z", "20270111T1300Z", "20270111T1415Z"]


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def stranger(address: str = "203.0.113.7") -> Client:
    """A new visitor each time (no cookies), from one address."""
    return Client(REMOTE_ADDR=address)


@pytest.mark.django_db
def test_it_limits_holds_per_address(clinic, settings):
    settings.CLINIC_HOLDS_PER_IP = 3
    url = reverse("booking:hold", args=[clinic.initial.slug, clinic.location.slug])

    answers = [stranger().post(url, {"start": start, "practitioner": "any"}) for start in STARTS]

    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    assert "Please wait a little" in answers[-1].text
    assert SlotHold.objects.count() == 3
    # Someone else, elsewhere, can still pick the last time.
    assert stranger("198.51.100.1").post(url, {"start": STARTS[-1]}).status_code == 302


def book(client: Client, clinic, start: str, email: str):
    details = reverse("booking:details", args=[clinic.initial.slug, clinic.location.slug])
    client.post(details, DETAILS | {"email": email, "start": start, "practitioner": "any"})
    return client.post(reverse("booking:review"))


@pytest.mark.django_db
def test_it_limits_bookings_per_email(clinic, settings, mailoutbox):
    settings.CLINIC_BOOKINGS_PER_EMAIL = 2
    answers = [
        book(stranger(f"198.51.100.{n}"), clinic, start, "dana@example.com")
        for n, start in enumerate(STARTS[:3])
    ]

    assert [a.status_code for a in answers] == [302, 302, 429]
    assert Appointment.objects.count() == 2


@pytest.mark.django_db
def test_it_limits_bookings_per_address(clinic, settings):
    settings.CLINIC_BOOKINGS_PER_IP = 1
    answers = [
        book(stranger(), clinic, start, f"person{n}@example.com")
        for n, start in enumerate(STARTS[:2])
    ]

    assert [a.status_code for a in answers] == [302, 429]
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_a_repeated_confirmation_is_not_counted_again(clinic, settings):
    settings.CLINIC_BOOKINGS_PER_IP = 1
    visitor = stranger()

    book(visitor, clinic, STARTS[0], "dana@example.com")
    again = visitor.post(reverse("booking:review"))

    assert again.status_code == 302
    assert again.url == reverse("booking:confirmed")


@pytest.mark.django_db
def test_it_limits_waitlist_sign_ups_per_email(clinic, settings):
    settings.CLINIC_WAITLIST_PER_EMAIL = 1
    url = reverse("booking:waitlist", args=[clinic.initial.slug, clinic.location.slug])
    data = DETAILS | {
        "earliest_date": "2027-01-11",
        "latest_date": "2027-01-15",
        "time_of_day": "any",
    }

    first = stranger("198.51.100.1").post(url, data)
    second = stranger("198.51.100.2").post(url, data)

    assert (first.status_code, second.status_code) == (200, 429)
    assert WaitlistEntry.objects.count() == 1
