"""Phone bookings and reschedules from the front desk, raced with real threads and real
requests on PostgreSQL: never two sessions at once for one practitioner or room.

These tests commit (``transaction=True``): inside the test's own transaction nothing
would race."""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from booking.models import Appointment
from clinic.roles import RECEPTIONIST
from patients.models import Patient
from tests import factories
from tests.factories import MONDAY, NOW, at, book

THREADS = 12
BARRIER_TIMEOUT = 10
TARGET = "15:00"  # alice, MONDAY


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def make_patients(count: int) -> list[Patient]:
    return [factories.patient(first_name=f"Caller{n}") for n in range(count)]


def desk_clients(count: int) -> list[Client]:
    rita = factories.staff(username="rita", role=RECEPTIONIST)
    clients = []
    for _ in range(count):
        client = Client()
        factories.signed_in(client, rita)
        clients.append(client)
    return clients


def race(requests: list) -> list:
    """Run each (client, url, data) POST in its own thread, released together."""
    barrier = threading.Barrier(len(requests), timeout=BARRIER_TIMEOUT)

    def post(request):
        client, url, data = request
        try:
            barrier.wait()
            return client.post(url, data)
        finally:
            # Each thread has its own connection; left open it would block the flush.
            connection.close()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(post, requests))


def phone_booking(clinic, client, patient):
    url = reverse("staff:book", args=[clinic.location.slug])
    data = {
        "patient": patient.pk,
        "service": clinic.initial.pk,
        "practitioner": clinic.alice.pk,
        "date": MONDAY.isoformat(),
        "time": TARGET,
    }
    return client, url, data


def reschedule(clinic, client, appointment):
    url = reverse("staff:appointment_reschedule", args=[appointment.reference])
    data = {"date": MONDAY.isoformat(), "time": TARGET, "practitioner": clinic.alice.pk}
    return client, url, data


def assert_no_overlaps():
    for field in ("practitioner_id", "room_id"):
        active = list(Appointment.objects.active().order_by(field, "start"))
        for before, after in itertools.pairwise(active):
            if getattr(before, field) == getattr(after, field):
                assert before.occupied_until <= after.start, (before, after)


@pytest.mark.django_db(transaction=True)
def test_it_books_one_of_many_simultaneous_phone_bookings(clinic):
    patients = make_patients(THREADS)
    clients = desk_clients(THREADS)

    responses = race([phone_booking(clinic, c, p) for c, p in zip(clients, patients, strict=True)])

    codes = sorted(r.status_code for r in responses)
    assert codes == [302] + [400] * (THREADS - 1)  # no 500s
    (booked,) = Appointment.objects.all()
    assert booked.start == at(15)
    assert_no_overlaps()


# Six existing appointments (alice's and bob's), none at 15:00.
EXISTING = [
    ("alice", 9, 0),
    ("alice", 10, 15),
    ("bob", 9, 0),
    ("bob", 10, 15),
    ("bob", 13, 0),
    ("bob", 14, 15),
]


@pytest.mark.django_db(transaction=True)
def test_it_moves_or_books_only_one_into_a_contested_time(clinic):
    movers = make_patients(len(EXISTING))
    callers = make_patients(THREADS)[len(EXISTING) :]
    existing = [
        book(clinic, patient, at(hour, minute), practitioner=getattr(clinic, who))
        for patient, (who, hour, minute) in zip(movers, EXISTING, strict=True)
    ]
    clients = desk_clients(len(existing) + len(callers))
    requests = [reschedule(clinic, c, a) for c, a in zip(clients, existing, strict=False)]
    requests += [
        phone_booking(clinic, c, p) for c, p in zip(clients[len(existing) :], callers, strict=True)
    ]

    responses = race(requests)

    assert sorted(r.status_code for r in responses) == [302] + [400] * (len(requests) - 1)
    winner = Appointment.objects.active().get(start=at(15), practitioner=clinic.alice)
    moved = winner.pk in {a.pk for a in existing}
    assert Appointment.objects.count() == len(existing) + (0 if moved else 1)
    # The losers of the reschedule race stayed where they were.
    for appointment in existing:
        if appointment.pk != winner.pk:
            before = appointment.start
            appointment.refresh_from_db()
            assert appointment.start == before
    assert_no_overlaps()
