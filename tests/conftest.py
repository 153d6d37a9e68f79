import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from booking.models import BookingPolicy, Practitioner, Service, WeeklyHours
from clinic.models import Location, Room
from patients.models import Patient

# A Monday in winter (GMT = UTC), so expected UTC times read like the wall clock.
MONDAY = dt.date(2027, 1, 11)
NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)  # one week before MONDAY


@pytest.fixture(autouse=True, scope="session")
def _require_postgresql(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.exit("The tests need PostgreSQL: run them with bin/test.", returncode=2)


@dataclass
class Clinic:
    location: Location
    rooms: list[Room]
    initial: Service
    follow_up: Service
    alice: Practitioner
    bob: Practitioner
    policy: BookingPolicy


def make_practitioner(slug: str, first_name: str, *, location: Location, services) -> Practitioner:
    user = get_user_model().objects.create_user(
        username=slug, first_name=first_name, last_name="Practitioner", is_staff=True
    )
    practitioner = Practitioner.objects.create(user=user, slug=slug, title="Physiotherapist")
    practitioner.services.set(services)
    practitioner.locations.add(location)
    for weekday in range(5):  # a split shift, Monday to Friday
        WeeklyHours.objects.create(
            practitioner=practitioner,
            location=location,
            weekday=weekday,
            start_time=dt.time(9),
            end_time=dt.time(12),
        )
        WeeklyHours.objects.create(
            practitioner=practitioner,
            location=location,
            weekday=weekday,
            start_time=dt.time(13),
            end_time=dt.time(17),
        )
    return practitioner


@pytest.fixture
def clinic(db) -> Clinic:
    location = Location.objects.create(
        name="Riverside", slug="riverside", address="1 River Street", time_zone="Europe/London"
    )
    rooms = [Room.objects.create(location=location, name=f"Room {n}") for n in (1, 2)]
    initial = Service.objects.create(
        name="Initial assessment and dry needling",
        slug="initial",
        duration_minutes=60,
        buffer_after_minutes=10,
        price="75.00",
        allows_first_visit=True,
    )
    follow_up = Service.objects.create(
        name="Follow-up dry needling",
        slug="follow-up",
        duration_minutes=30,
        buffer_after_minutes=10,
        price="50.00",
    )
    alice = make_practitioner("alice", "Alice", location=location, services=[initial, follow_up])
    bob = make_practitioner("bob", "Bob", location=location, services=[initial, follow_up])
    return Clinic(location, rooms, initial, follow_up, alice, bob, BookingPolicy.load())


@pytest.fixture
def patient(db) -> Patient:
    return Patient.objects.create(
        first_name="Charlie",
        last_name="Patient",
        email="charlie@example.com",
        phone="+441134960000",
        date_of_birth=dt.date(1980, 5, 17),
    )


def pytest_configure(config):
    from django.conf import settings

    # Real hashing is slow by design; tests only need passwords that work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
