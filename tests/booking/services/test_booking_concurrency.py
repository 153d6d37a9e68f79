"""Double-booking under real concurrency, on PostgreSQL, with real threads.

These tests commit (``transaction=True``): a booking made inside the test's own transaction
would never race anyone, so it would prove nothing.
"""

import contextlib
import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.backends.signals import connection_created

from booking.models import Appointment, AppointmentSource, AppointmentStatus
from booking.services import placement
from booking.services.changes import appointment_reschedule
from booking.services.placement import SlotTaken
from patients.models import Patient
from tests import factories
from tests.factories import at

THREADS = 20
# MONDAY is in winter, so 10:00 in London is 10:00 UTC.
TEN_AM = at(10)
# Long enough for a slow CI machine, short enough that a broken test fails rather than hangs.
BARRIER_TIMEOUT = 10


def make_patients(count: int) -> list[Patient]:
    return [factories.patient(first_name=f"Racer{n}") for n in range(count)]


def race(clinic, patients, practitioners) -> list[Appointment | Exception]:
    """Book TEN_AM once per patient, all threads released together; return each outcome."""
    barrier = threading.Barrier(len(patients), timeout=BARRIER_TIMEOUT)

    def book(patient, practitioner):
        try:
            barrier.wait()
            return factories.book(
                clinic, patient, TEN_AM, practitioner=practitioner, source=AppointmentSource.ONLINE
            )
        except Exception as error:
            return error
        finally:
            # Each thread has its own connection; left open, it would block the flush
            # that ends the test.
            connection.close()

    with ThreadPoolExecutor(max_workers=len(patients)) as pool:
        return list(pool.map(book, patients, practitioners))


def split(outcomes):
    booked = [o for o in outcomes if isinstance(o, Appointment)]
    failed = [o for o in outcomes if not isinstance(o, Appointment)]
    return booked, failed


@pytest.mark.django_db(transaction=True)
def test_it_books_a_contested_slot_exactly_once(clinic):
    patients = make_patients(THREADS)

    booked, failed = split(race(clinic, patients, [clinic.alice] * THREADS))

    assert len(booked) == 1
    assert Appointment.objects.count() == 1
    assert len(failed) == THREADS - 1
    # Anything but SlotTaken (a timeout, a deadlock, a stray IntegrityError) is a bug.
    assert all(type(error) is SlotTaken for error in failed), failed
    assert {error.code for error in failed} == {"taken"}
    # The losers lost to the lock, so they re-read the diary and can be offered other times.
    assert all(error.alternatives for error in failed)


@pytest.mark.django_db(transaction=True)
def test_it_gives_any_practitioner_bookings_one_each(clinic):
    # Two practitioners and two rooms: "any practitioner" can place two sessions at once,
    # and must not place a third.
    patients = make_patients(THREADS)

    booked, failed = split(race(clinic, patients, [None] * THREADS))

    assert len(booked) == 2
    assert {a.practitioner_id for a in booked} == {clinic.alice.pk, clinic.bob.pk}
    assert {a.room_id for a in booked} == {room.pk for room in clinic.rooms}
    assert Appointment.objects.count() == 2
    assert all(type(error) is SlotTaken for error in failed), failed


def detect_deadlocks_quickly(sender, connection, **kwargs):
    """Simultaneous inserts that break an exclusion constraint can wait for each other;
    PostgreSQL breaks each such deadlock only after deadlock_timeout (1 s by default), and
    twenty racers can chain a dozen of them."""
    # Only a superuser may change it; elsewhere the test is just slower.
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SET deadlock_timeout = '50ms'")


@pytest.mark.django_db(transaction=True)
def test_it_still_books_once_without_the_lock(clinic, monkeypatch, caplog):
    """The control: with the lock gone, the exclusion constraint alone prevents the double
    booking, and the losers still see "taken" (whether PostgreSQL reports the violation or
    a deadlock between two violators) rather than an error page."""
    patients = make_patients(THREADS)
    loaded = threading.Barrier(THREADS, timeout=BARRIER_TIMEOUT)
    real_load_schedule = placement.load_schedule

    def load_schedule_then_wait(**kwargs):
        # Every thread has seen the slot free before any inserts, so the only thing left to
        # stop the double booking is the database.
        schedule = real_load_schedule(**kwargs)
        loaded.wait()
        return schedule

    monkeypatch.setattr(placement, "lock_rows", lambda **kwargs: None)
    monkeypatch.setattr(placement, "load_schedule", load_schedule_then_wait)
    caplog.set_level(logging.WARNING, logger="booking.services.placement")

    connection_created.connect(detect_deadlocks_quickly)
    try:
        booked, failed = split(race(clinic, patients, [clinic.alice] * THREADS))
    finally:
        connection_created.disconnect(detect_deadlocks_quickly)

    assert len(booked) == 1
    assert Appointment.objects.count() == 1
    assert len(failed) == THREADS - 1
    assert all(type(error) is SlotTaken for error in failed), failed
    lost = [r for r in caplog.records if "lost to the database constraint" in r.getMessage()]
    assert len(lost) == THREADS - 1


@pytest.mark.django_db(transaction=True)
def test_it_shares_one_room_between_practitioners(clinic):
    clinic.rooms[1].is_active = False
    clinic.rooms[1].save()
    patients = make_patients(THREADS)
    practitioners = [clinic.alice, clinic.bob] * (THREADS // 2)

    booked, failed = split(race(clinic, patients, practitioners))

    assert len(booked) == 1
    assert Appointment.objects.get().room == clinic.rooms[0]
    assert all(type(error) is SlotTaken for error in failed), failed


MOVERS = 8


@pytest.mark.django_db(transaction=True)
def test_it_moves_one_of_many_appointments_to_another_practitioners_free_time(clinic):
    # Each patient holds a session with Alice on another day; all ask, at once, to move it
    # to Bob at ten on MONDAY. Bob has one such time.
    weekdays = [factories.MONDAY + dt.timedelta(days=n) for n in (1, 2, 3, 4, 7, 8, 9, 10)]
    held = [
        factories.book(clinic, patient, at(9, day=day))
        for patient, day in zip(make_patients(MOVERS), weekdays, strict=True)
    ]
    barrier = threading.Barrier(MOVERS, timeout=BARRIER_TIMEOUT)

    def move(appointment):
        try:
            barrier.wait()
            return appointment_reschedule(
                appointment=appointment,
                start=TEN_AM,
                practitioner=clinic.bob,
                now=factories.NOW,
                source=AppointmentSource.ONLINE,
            )
        except Exception as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=MOVERS) as pool:
        moved, failed = split(list(pool.map(move, held)))

    assert len(moved) == 1
    assert all(type(error) is SlotTaken for error in failed), failed
    assert Appointment.objects.filter(practitioner=clinic.bob, start=TEN_AM).count() == 1
    assert Appointment.objects.filter(practitioner=clinic.alice).count() == MOVERS - 1


def appointment(clinic, patient, *, practitioner, room, start, status=AppointmentStatus.CONFIRMED):
    """An unsaved 60-minute session with a 10-minute buffer, for the constraints to judge."""
    return factories.appointment(
        clinic, patient, start, practitioner=practitioner, room=room, status=status, save=False
    )


def create_fails(candidate: Appointment) -> bool:
    # A savepoint, so the test's transaction survives the violation.
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db
def test_it_refuses_overlapping_rows_in_the_database(clinic, patient):
    alice, bob = clinic.alice, clinic.bob
    room_1, room_2 = clinic.rooms
    appointment(clinic, patient, practitioner=alice, room=room_1, start=TEN_AM).save()

    half_past = TEN_AM + dt.timedelta(minutes=30)
    eleven = TEN_AM + dt.timedelta(hours=1)
    buffer_end = eleven + dt.timedelta(minutes=10)
    # Same practitioner, another room.
    assert create_fails(
        appointment(clinic, patient, practitioner=alice, room=room_2, start=half_past)
    )
    # Same room, another practitioner.
    assert create_fails(
        appointment(clinic, patient, practitioner=bob, room=room_1, start=half_past)
    )
    # Inside the first session's cleaning buffer.
    assert create_fails(appointment(clinic, patient, practitioner=alice, room=room_1, start=eleven))
    # The buffer's end is free: ranges are half-open.
    assert not create_fails(
        appointment(clinic, patient, practitioner=alice, room=room_1, start=buffer_end)
    )
    assert Appointment.objects.count() == 2


@pytest.mark.django_db
def test_it_lets_released_appointments_overlap(clinic, patient):
    for status in (AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED):
        appointment(
            clinic,
            patient,
            practitioner=clinic.alice,
            room=clinic.rooms[0],
            start=TEN_AM,
            status=status,
        ).save()

    # Cancelled rows hold nothing, so the slot can be booked again, once.
    appointment(
        clinic, patient, practitioner=clinic.alice, room=clinic.rooms[0], start=TEN_AM
    ).save()
    assert create_fails(
        appointment(clinic, patient, practitioner=clinic.alice, room=clinic.rooms[0], start=TEN_AM)
    )
    assert Appointment.objects.active().count() == 1
