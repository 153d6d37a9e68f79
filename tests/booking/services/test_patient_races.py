"""One patient, raced with real threads on PostgreSQL: never in two places at once, and
one person gets one record however many of their online bookings arrive together.

These tests commit (``transaction=True``): inside the test's own transaction nothing
would race.
"""

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction

from booking.models import Appointment, AppointmentSource, BookingPolicy
from booking.services.booking import appointment_book, online_booking_make
from booking.services.placement import BookingError
from patients.models import Patient
from tests.factories import MONDAY, NOW

THREADS = 10
BARRIER_TIMEOUT = 10
TEN_AM = dt.datetime.combine(MONDAY, dt.time(10), tzinfo=dt.UTC)  # GMT: UTC = wall clock


def together(calls) -> list[object]:
    """Run each call in its own thread, released at one moment; return each outcome."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)

    def run(call):
        try:
            barrier.wait()
            return call()
        except Exception as error:
            return error
        finally:
            connection.close()  # each thread's own connection would block the flush

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.django_db(transaction=True)
def test_it_books_one_patient_once_at_one_time_from_the_front_desk(clinic, patient):
    # Two practitioners and two rooms are free, so only the patient can stop a second booking.
    practitioners = [clinic.alice, clinic.bob] * (THREADS // 2)
    calls = [
        lambda practitioner=practitioner: appointment_book(
            patient=patient,
            service=clinic.initial,
            location=clinic.location,
            start=TEN_AM,
            practitioner=practitioner,
            source=AppointmentSource.FRONT_DESK,
            now=NOW,
        )
        for practitioner in practitioners
    ]

    outcomes = together(calls)

    booked = [o for o in outcomes if isinstance(o, Appointment)]
    refused = [o for o in outcomes if isinstance(o, BookingError)]
    assert len(booked) == 1, outcomes
    assert len(refused) == THREADS - 1, outcomes
    assert {error.code for error in refused} <= {"patient", "taken"}
    assert Appointment.objects.filter(patient=patient).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_books_overlapping_times_for_one_patient_once(clinic, patient):
    # Not the same start: 10:00 and 10:30 overlap for the patient, not for the practitioners.
    starts = [TEN_AM, TEN_AM + dt.timedelta(minutes=30)] * (THREADS // 2)
    practitioners = [clinic.alice, clinic.bob] * (THREADS // 2)
    calls = [
        lambda start=start, practitioner=practitioner: appointment_book(
            patient=patient,
            service=clinic.initial,
            location=clinic.location,
            start=start,
            practitioner=practitioner,
            source=AppointmentSource.FRONT_DESK,
            now=NOW,
        )
        for start, practitioner in zip(starts, practitioners, strict=True)
    ]

    outcomes = together(calls)

    assert sum(isinstance(o, Appointment) for o in outcomes) == 1, outcomes
    assert Appointment.objects.filter(patient=patient).count() == 1


DETAILS = {
    "first_name": "Dana",
    "last_name": "Racer",
    "email": "Dana@Example.com",
    "phone": "+441134960001",
    "date_of_birth": "1985-03-02",
}


def online_starts(count: int) -> list[dt.datetime]:
    """Non-overlapping times within Alice's hours over the week after MONDAY."""
    times = [dt.time(9), dt.time(10, 15), dt.time(13), dt.time(14, 15), dt.time(15, 30)]
    starts = [
        dt.datetime.combine(MONDAY + dt.timedelta(days=day), time, tzinfo=dt.UTC)
        for day in range(5)
        for time in times
    ]
    return starts[:count]


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_record_and_the_cap_for_one_person_booking_online_at_once(clinic):
    policy = BookingPolicy.load()
    policy.max_upcoming_online = 2
    policy.save()
    # The same person, typing their email differently each time.
    spellings = ["Dana@Example.com", "dana@example.com", " DANA@example.com "]
    calls = [
        lambda start=start, n=n: online_booking_make(
            details={**DETAILS, "email": spellings[n % len(spellings)]},
            service=clinic.initial,
            location=clinic.location,
            practitioner=clinic.alice,
            start=start,
            now=NOW,
        )
        for n, start in enumerate(online_starts(THREADS))
    ]

    outcomes = together(calls)

    assert Patient.objects.count() == 1, outcomes
    booked = [o for o in outcomes if isinstance(o, Appointment)]
    assert len(booked) == 2, outcomes
    refused = [o for o in outcomes if not isinstance(o, Appointment)]
    assert all(isinstance(o, BookingError) and o.code == "cap" for o in refused), refused


@pytest.mark.django_db
def test_the_database_refuses_one_patient_in_two_rooms_at_once(clinic, patient):
    def session(practitioner, room, start, status="confirmed") -> Appointment:
        return Appointment(
            patient=patient,
            practitioner=practitioner,
            service=clinic.initial,
            location=clinic.location,
            room=room,
            start=start,
            end=start + dt.timedelta(hours=1),
            occupied_until=start + dt.timedelta(hours=1, minutes=10),
            status=status,
            source=AppointmentSource.FRONT_DESK,
        )

    session(clinic.alice, clinic.rooms[0], TEN_AM).save()
    half_past = TEN_AM + dt.timedelta(minutes=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        session(clinic.bob, clinic.rooms[1], half_past).save()
    # The patient's range ends with the session: the room's cleaning buffer is not theirs.
    session(clinic.bob, clinic.rooms[1], TEN_AM + dt.timedelta(hours=1)).save()
    # A cancelled appointment holds nothing.
    session(clinic.bob, clinic.rooms[1], half_past - dt.timedelta(hours=2), "cancelled").save()
    session(clinic.alice, clinic.rooms[0], half_past - dt.timedelta(hours=2)).save()
    assert Appointment.objects.filter(patient=patient).count() == 4
