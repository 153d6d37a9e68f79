"""Booking through the API under concurrency, with real threads on PostgreSQL: the same
locks and constraints as the pages, so one booking wins and the rest get 409, never 500.

These tests commit (``transaction=True``): inside the test's own transaction nothing
would race."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from booking.models import ApiKeyUse, ApiScope, Appointment
from booking.services.api_keys import api_key_create
from tests.booking.views.test_staff_concurrency import assert_no_overlaps, make_patients
from tests.factories import NOW, at

THREADS = 10


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_api_bookings_of_one_time_book_it_once(clinic):
    _, key = api_key_create(name="Widget", scopes=[ApiScope.BOOKINGS_WRITE], created_by=None)
    patients = make_patients(THREADS)
    barrier = threading.Barrier(THREADS, timeout=10)

    def post(patient_id: int, practitioner_id: int | None):
        body = {
            "patient_id": patient_id,
            "service": clinic.initial.slug,
            "location": clinic.location.slug,
            "practitioner_id": practitioner_id,
            "start": at(15).isoformat(),
        }
        try:
            barrier.wait()
            return Client().post(
                "/api/v1/appointments",
                json.dumps(body),
                content_type="application/json",
                headers={"authorization": f"Bearer {key}"},
            )
        finally:
            connection.close()

    # Half ask for alice, half for anyone: two practitioners, so at most two can win.
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        responses = list(
            pool.map(
                post,
                [p.pk for p in patients],
                [clinic.alice.pk if n % 2 else None for n in range(THREADS)],
            )
        )

    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {201, 409}, codes
    assert 1 <= codes.count(201) <= 2
    booked = Appointment.objects.filter(start=at(15))
    assert booked.count() == codes.count(201)
    assert len({a.practitioner_id for a in booked}) == booked.count()
    assert ApiKeyUse.objects.count() == THREADS
    assert_no_overlaps()
