"""Slot holds through the public booking pages: one booking spends one of the address's
hourly holds; one visitor holds one time; one address holds a few times at once and only
a share of a day's free times, so nobody can empty a day for everyone else."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from booking.models import Appointment, SlotHold
from tests.booking.views.test_public_rate_limits import DETAILS
from tests.factories import NOW

ADDRESS = "203.0.113.7"
# Free for either practitioner on Monday 11 January 2027, and not overlapping each other.
MONDAY_TIMES = ["20270111T0900Z", "20270111T1015Z", "20270111T1300Z", "20270111T1415Z"]
TUESDAY = "20270112T0900Z"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def stranger(address: str = ADDRESS) -> Client:
    """A new visitor each time (no cookies), from one address."""
    return Client(REMOTE_ADDR=address)


def pick(client: Client, clinic, start: str, practitioner: str = "any"):
    url = reverse("booking:hold", args=[clinic.initial.slug, clinic.location.slug])
    return client.post(url, {"start": start, "practitioner": practitioner})


def book_through_the_pages(client: Client, clinic, start: str, email: str):
    """Pick a time, give one's details, confirm: the whole flow a patient goes through."""
    assert pick(client, clinic, start).status_code == 302
    details = reverse("booking:details", args=[clinic.initial.slug, clinic.location.slug])
    data = DETAILS | {"email": email, "start": start, "practitioner": "any"}
    assert client.post(details, data).status_code == 302
    return client.post(reverse("booking:review"))


@pytest.mark.django_db
def test_one_booking_spends_one_hold(clinic, settings):
    """The details step renews the visitor's hold without counting a second one."""
    settings.CLINIC_HOLDS_PER_IP = 2
    visitor = stranger()

    first = book_through_the_pages(visitor, clinic, MONDAY_TIMES[0], "dana@example.com")
    second = book_through_the_pages(visitor, clinic, MONDAY_TIMES[1], "erin@example.com")

    assert (first.status_code, second.status_code) == (302, 302)
    assert Appointment.objects.count() == 2
    assert pick(visitor, clinic, MONDAY_TIMES[2]).status_code == 429  # the third hold


@pytest.mark.django_db
def test_picking_the_same_time_again_renews_the_hold_uncounted(clinic, settings):
    """A second click on the time one holds (or the back button) is not a new hold."""
    settings.CLINIC_HOLDS_PER_IP = 2
    visitor = stranger()
    answers = [pick(visitor, clinic, start) for start in MONDAY_TIMES[:1] * 3 + MONDAY_TIMES[1:3]]

    assert [a.status_code for a in answers] == [302, 302, 302, 302, 429]
    assert [h.start.hour for h in SlotHold.objects.all()] == [10]


@pytest.mark.django_db
def test_picking_another_time_releases_the_visitors_first(clinic):
    visitor = stranger()
    pick(visitor, clinic, MONDAY_TIMES[0], practitioner=str(clinic.alice.pk))
    pick(visitor, clinic, MONDAY_TIMES[1], practitioner=str(clinic.alice.pk))

    assert [h.start.hour for h in SlotHold.objects.all()] == [10]
    # Someone else may have the first time with Alice again.
    other = pick(stranger("198.51.100.1"), clinic, MONDAY_TIMES[0], str(clinic.alice.pk))
    assert other.status_code == 302


@pytest.mark.django_db
def test_one_address_holds_only_a_few_times_at_once(clinic, settings, clock):
    settings.CLINIC_LIVE_HOLDS_PER_IP = 3
    answers = [pick(stranger(), clinic, start) for start in MONDAY_TIMES]

    assert [a.status_code for a in answers] == [302, 302, 302, 429]
    assert "Several times are already being held" in answers[-1].text
    assert SlotHold.objects.count() == 3
    # Another address is not held back; and once the holds lapse, this one may again.
    assert pick(stranger("198.51.100.1"), clinic, MONDAY_TIMES[3]).status_code == 302
    clock.shift(dt.timedelta(minutes=settings.CLINIC_HOLD_MINUTES, seconds=1))
    assert pick(stranger(), clinic, TUESDAY).status_code == 302


@pytest.mark.django_db
def test_one_address_holds_only_its_share_of_a_day(clinic, settings):
    """Monday has 22 free start times for an initial assessment: a tenth of them is two."""
    settings.CLINIC_HOLDS_DAY_SHARE = 10
    monday = [pick(stranger(), clinic, start) for start in MONDAY_TIMES[:3]]

    assert [a.status_code for a in monday] == [302, 302, 429]
    assert "Enough times on this day" in monday[-1].text
    assert pick(stranger(), clinic, TUESDAY).status_code == 302  # another day
    assert pick(stranger("198.51.100.1"), clinic, MONDAY_TIMES[2]).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_simultaneous_picks_from_one_address_hold_only_the_cap(clinic, settings):
    """Eight visitors from one address pick eight different times at once: three holds."""
    settings.CLINIC_LIVE_HOLDS_PER_IP = 3
    choices = [(start, str(p.pk)) for start in MONDAY_TIMES for p in (clinic.alice, clinic.bob)]
    barrier = threading.Barrier(len(choices), timeout=20)

    def attempt(choice: tuple[str, str]) -> int:
        try:
            barrier.wait()
            return pick(stranger(), clinic, *choice).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(choices)) as pool:
        codes = list(pool.map(attempt, choices))

    assert sorted(codes) == [302] * 3 + [429] * 5
    assert SlotHold.objects.count() == 3
