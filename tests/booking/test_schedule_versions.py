"""The schedule version: every write that can change a booking page gives the locations
it touches a new one, so the pages' cache (decision 0031) never shows what has changed.

The page-level checks read a day page, change something, and read it again."""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from booking.models import (
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    ClinicClosure,
    ExtraHours,
    ScheduleVersion,
    SlotHold,
    TimeOff,
    WeeklyHours,
)
from booking.services.changes import appointment_cancel, appointment_reschedule
from booking.services.holds import slot_hold
from tests import factories
from tests.factories import MONDAY, NOW, at

pytestmark = pytest.mark.django_db


def version(location) -> tuple[str, str]:
    row = ScheduleVersion.objects.get(location=location)
    return str(row.setup), str(row.bookings)


@pytest.fixture
def elsewhere(clinic):
    """Hilltop, a second location where only Bob works."""
    hilltop = factories.location(name="Hilltop", slug="hilltop")
    factories.room(location=hilltop, name="Hilltop room")
    clinic.bob.locations.add(hilltop)
    return hilltop


def test_a_new_location_gets_a_version(clinic):
    assert ScheduleVersion.objects.filter(location=clinic.location).exists()


BOOKINGS = {
    "a booking": lambda c, p: factories.book(c, p, at(9)),
    "a cancellation": lambda c, p: appointment_cancel(
        appointment=factories.book(c, p, at(9)), now=NOW, by_patient=False
    ),
    "a status change": lambda c, p: _complete(factories.book(c, p, at(9))),
    "a hold": lambda c, _p: slot_hold(
        token="t",
        service=c.follow_up,
        location=c.location,
        practitioner=None,
        start=at(9),
        now=NOW,
    ),
    "a released hold": lambda c, p: SlotHold.objects.filter(
        pk=BOOKINGS["a hold"](c, p).pk
    ).delete(),
}


def _complete(appointment):
    appointment.status = AppointmentStatus.COMPLETED
    appointment.save()


STAFF_EDITS = {
    "time off": lambda c: TimeOff.objects.create(
        practitioner=c.alice, starts_at=at(9), ends_at=at(12)
    ),
    "weekly hours": lambda c: WeeklyHours.objects.filter(practitioner=c.alice).first().delete(),
    "extra hours": lambda c: ExtraHours.objects.create(
        practitioner=c.alice,
        location=c.location,
        date=MONDAY + dt.timedelta(days=5),
        start_time=dt.time(9),
        end_time=dt.time(12),
    ),
    "a closure": lambda c: ClinicClosure.objects.create(
        location=None, starts_at=at(9), ends_at=at(17), reason="Training"
    ),
    "a room closed": lambda c: _save(c.rooms[0], is_active=False),
    "a practitioner leaving": lambda c: _save(c.alice, is_active=False),
    "a practitioner's name": lambda c: _save(c.alice.user, first_name="Alicia"),
    "a service no longer offered": lambda c: c.alice.services.remove(c.follow_up),
    "a location left": lambda c: c.alice.locations.remove(c.location),
    "a service's length": lambda c: _save(c.follow_up, duration_minutes=45),
    "the policy": lambda c: _save(BookingPolicy.load(), min_notice_minutes=60),
    "the location's time zone": lambda c: _save(c.location, time_zone="Europe/Dublin"),
}


def _save(instance, **changes):
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()


@pytest.mark.parametrize("write", BOOKINGS, ids=str)
def test_a_booking_write_gives_its_location_a_new_bookings_version(clinic, patient, write):
    setup, bookings = version(clinic.location)
    BOOKINGS[write](clinic, patient)
    assert version(clinic.location)[1] != bookings
    assert version(clinic.location)[0] == setup  # what staff edit stays cached


@pytest.mark.parametrize("edit", STAFF_EDITS, ids=str)
def test_a_staff_edit_gives_every_location_a_new_setup_version(clinic, elsewhere, edit):
    before = version(clinic.location)[0], version(elsewhere)[0]
    STAFF_EDITS[edit](clinic)
    after = version(clinic.location)[0], version(elsewhere)[0]
    assert after[0] != before[0]
    assert after[1] != before[1]


def test_a_booking_of_someone_who_works_elsewhere_too_changes_both_locations(
    clinic, patient, elsewhere
):
    here, there = version(clinic.location), version(elsewhere)
    factories.book(clinic, patient, at(9), practitioner=clinic.alice)
    assert version(clinic.location) != here
    assert version(elsewhere) == there  # Alice works only here: Hilltop's pages are unchanged
    here = version(clinic.location)
    factories.book(clinic, patient, at(11), practitioner=clinic.bob)
    assert version(clinic.location) != here
    assert version(elsewhere) != there  # Bob is busy at that time at Hilltop too


def test_moving_an_appointment_to_another_practitioner_frees_the_first_ones_locations(
    clinic, patient, elsewhere
):
    booked = factories.book(clinic, patient, at(9), practitioner=clinic.bob)
    there = version(elsewhere)
    appointment_reschedule(
        appointment=booked,
        start=at(10),
        now=NOW,
        source=AppointmentSource.FRONT_DESK,
        practitioner=clinic.alice,
    )
    assert version(elsewhere) != there  # Bob's time there is free again


def test_a_sign_in_changes_no_version(clinic, client):
    before = version(clinic.location)
    user = get_user_model().objects.get(pk=clinic.alice.user_id)
    client.force_login(user)
    assert version(clinic.location) == before


# --- What the pages show -------------------------------------------------------------------


@pytest.fixture
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def day_page(client, clinic, **params):
    url = reverse("booking:times", args=[clinic.follow_up.slug, clinic.location.slug])
    page = client.get(url, {"date": MONDAY.isoformat(), "practitioner": "any"} | params)
    assert page.status_code == 200
    return page


def starts(page) -> list[str]:
    return [param for _start, param in page.context["times"]]


@pytest.mark.usefixtures("_frozen_clock")
def test_a_booked_time_leaves_the_cached_page(client, clinic, patient, django_assert_num_queries):
    alice = {"practitioner": clinic.alice.pk}
    assert "20270111T0900Z" in starts(day_page(client, clinic, **alice))
    with django_assert_num_queries(1):
        assert "20270111T0900Z" in starts(day_page(client, clinic, **alice))
    factories.book(clinic, patient, at(9), practitioner=clinic.alice)  # through the service
    # The version, then the appointments: the team, the policy and the hours stay cached.
    with django_assert_num_queries(2):
        assert "20270111T0900Z" not in starts(day_page(client, clinic, **alice))


@pytest.mark.usefixtures("_frozen_clock")
def test_time_off_added_in_the_admin_leaves_the_cached_page(client, clinic, admin_client):
    assert starts(day_page(client, clinic, practitioner=clinic.alice.pk))
    added = admin_client.post(
        reverse("admin:booking_timeoff_add"),
        {
            "practitioner": clinic.alice.pk,
            "starts_at_0": "2027-01-11",
            "starts_at_1": "00:00",
            "ends_at_0": "2027-01-12",
            "ends_at_1": "00:00",
            "reason": "Course",
        },
    )
    assert added.status_code == 302, added.context and added.context["errors"]
    assert starts(day_page(client, clinic, practitioner=clinic.alice.pk)) == []


@pytest.mark.usefixtures("_frozen_clock")
def test_another_visitors_hold_hides_a_time_until_it_lapses(client, clinic):
    alice = {"practitioner": clinic.alice.pk}
    assert "20270111T0900Z" in starts(day_page(client, clinic, **alice))
    held = slot_hold(
        token="someone-else",
        service=clinic.follow_up,
        location=clinic.location,
        practitioner=clinic.alice,
        start=at(9),
        now=NOW,
    )
    assert "20270111T0900Z" not in starts(day_page(client, clinic, **alice))
    # No write when it lapses: the cached page, seen later, counts it no more.
    with time_machine.travel(held.expires_at + dt.timedelta(seconds=1), tick=False):
        assert "20270111T0900Z" in starts(day_page(client, clinic, **alice))


@pytest.mark.usefixtures("_frozen_clock")
def test_the_visitors_own_hold_does_not_hide_their_time_from_them(client, clinic):
    hold = reverse("booking:hold", args=[clinic.follow_up.slug, clinic.location.slug])
    alice = {"practitioner": clinic.alice.pk}
    assert "20270111T0900Z" in starts(day_page(client, clinic, **alice))
    response = client.post(hold, {"start": "20270111T0900Z", "practitioner": clinic.alice.pk})
    assert response.status_code == 302
    assert "20270111T0900Z" in starts(day_page(client, clinic, **alice))
    # To anyone else it is taken, from the same cached schedule.
    other = Client()
    assert "20270111T0900Z" not in starts(day_page(other, clinic, **alice))


# --- Under real concurrency ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_pages_read_while_bookings_commit_never_keep_a_booked_time(clinic):
    """Bookings at four times commit from their own threads while readers keep loading the
    day page (filling the cache as they go); afterwards no page shows a booked time."""
    booked_at = [at(9), at(11), at(13), at(15)]  # hour-long sessions, buffers apart
    people = [factories.patient(first_name=f"Racer{n}") for n in range(len(booked_at))]
    alice = {"practitioner": clinic.alice.pk}
    url = reverse("booking:times", args=[clinic.follow_up.slug, clinic.location.slug])
    params = {"date": MONDAY.isoformat()} | alice
    writing = threading.Event()
    writing.set()

    def book(n: int) -> None:
        try:
            factories.book(clinic, people[n], booked_at[n], practitioner=clinic.alice)
        finally:
            connection.close()

    def read() -> int:
        reader, pages = Client(), 0
        try:
            while writing.is_set() or pages < 3:
                assert reader.get(url, params).status_code == 200
                pages += 1
        finally:
            connection.close()
        return pages

    with time_machine.travel(NOW, tick=False), ThreadPoolExecutor(max_workers=6) as pool:
        readers = [pool.submit(read) for _ in range(2)]
        try:
            list(pool.map(book, range(len(booked_at))))  # raises if a booking failed
        finally:
            writing.clear()
        assert all(r.result(timeout=30) >= 3 for r in readers)
        shown = set(starts(day_page(Client(), clinic, **alice)))
    assert not shown & {f"{start:%Y%m%dT%H%MZ}" for start in booked_at}
    assert shown  # the times between are still free
