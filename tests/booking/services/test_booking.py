"""appointment_book, the one write path for bookings, and the reads it relies on."""

import datetime as dt
import functools

import pytest

from booking.models import (
    REFERENCE_ALPHABET,
    Appointment,
    AppointmentSource,
    AppointmentStatus,
)
from booking.scheduling.schedule import load_schedule
from booking.services.placement import BookingError, SlotTaken, save_appointment
from tests import factories
from tests.factories import MONDAY, at

# Bookings here are online unless a test says otherwise: most of the rules are online rules.
book = functools.partial(factories.book, source=AppointmentSource.ONLINE)


def rejection(clinic, patient, start, **kwargs) -> BookingError:
    """The BookingError a booking raises, having checked that it saved nothing."""
    before = Appointment.objects.count()
    with pytest.raises(BookingError) as caught:
        book(clinic, patient, start, **kwargs)
    assert Appointment.objects.count() == before
    return caught.value


def test_it_books_a_session(clinic, patient):
    appointment = book(clinic, patient, at(10))

    appointment.refresh_from_db()
    assert len(appointment.reference) == 6
    assert set(appointment.reference) <= set(REFERENCE_ALPHABET)
    assert appointment.practitioner == clinic.alice
    assert appointment.room in clinic.rooms
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.start == at(10)
    assert appointment.end == at(11)
    assert appointment.start.utcoffset() == dt.timedelta(0)
    # The buffer is the service's, copied at booking time.
    assert appointment.occupied_until == at(11, 10)


def test_it_draws_another_reference_when_one_is_taken(clinic, patient, dana):
    first = book(clinic, patient, at(10))
    second = factories.appointment(clinic, dana, at(14), reference=first.reference, save=False)

    save_appointment(second)

    second.refresh_from_db()
    assert second.reference != first.reference
    assert len(second.reference) == 6


def test_it_books_the_least_loaded_practitioner_for_anyone(clinic, patient, dana):
    book(clinic, patient, at(9), practitioner=clinic.bob)
    book(clinic, patient, at(11), practitioner=clinic.bob)
    book(clinic, dana, at(9), practitioner=clinic.alice)  # one patient is in one room

    # Both are free at each of these times. Alice: 70 minutes booked that day, Bob: 140.
    assert book(clinic, patient, at(13), practitioner=None).practitioner == clinic.alice
    # Now 140 each: the tie goes to the lower id, Alice's.
    assert book(clinic, patient, at(14, 15), practitioner=None).practitioner == clinic.alice
    # Alice 210, Bob 140.
    assert book(clinic, patient, at(15, 30), practitioner=None).practitioner == clinic.bob


def test_it_rejects_a_time_off_the_grid(clinic, patient):
    assert rejection(clinic, patient, at(10, 5)).code == "off_grid"


def test_it_rejects_a_time_in_the_past(clinic, patient):
    assert rejection(clinic, patient, at(10), now=at(11)).code == "past"
    assert rejection(clinic, patient, at(10), now=at(10)).code == "past"


def test_it_rejects_online_bookings_inside_the_minimum_notice(clinic, patient):
    # The default policy asks for two hours' notice online.
    assert rejection(clinic, patient, at(10), now=at(9)).code == "notice"

    # The front desk may fill a gap at short notice.
    book(clinic, patient, at(10), now=at(9), source=AppointmentSource.FRONT_DESK)


def test_it_rejects_online_bookings_beyond_the_horizon(clinic, patient):
    # NOW + 60 days is 5 March; the Monday ten days later is still GMT.
    later = at(10, day=MONDAY + dt.timedelta(weeks=9))

    assert rejection(clinic, patient, later).code == "horizon"

    book(clinic, patient, later, source=AppointmentSource.FRONT_DESK)


def test_it_rejects_a_practitioner_who_does_not_offer_the_service(clinic, patient):
    elsewhere = factories.location(name="Hilltop", slug="hilltop", address="2 Hill Road")
    carol = factories.practitioner(
        slug="carol", first_name="Carol", location=clinic.location, services=[clinic.initial]
    )
    dave = factories.practitioner(
        slug="dave", first_name="Dave", location=elsewhere, services=[clinic.initial]
    )
    clinic.bob.is_active = False
    clinic.bob.save()

    error = rejection(clinic, patient, at(10), practitioner=carol, service=clinic.follow_up)
    assert error.code == "mismatch"
    assert rejection(clinic, patient, at(10), practitioner=dave).code == "mismatch"
    assert rejection(clinic, patient, at(10), practitioner=clinic.bob).code == "mismatch"


def test_it_offers_nearby_times_outside_working_hours(clinic, patient):
    error = rejection(clinic, patient, at(18))

    assert type(error) is SlotTaken
    assert error.code == "taken"
    # A 60-minute session must end by 17:00.
    assert [slot.start for slot in error.alternatives] == [
        at(15, 15),
        at(15, 30),
        at(15, 45),
        at(16),
    ]
    assert {slot.practitioner_id for slot in error.alternatives} == {clinic.alice.pk}


def test_it_offers_nearby_times_during_lunch(clinic, patient):
    error = rejection(clinic, patient, at(12))

    assert type(error) is SlotTaken
    assert error.code == "taken"
    assert [slot.start for slot in error.alternatives] == [at(10, 45), at(11), at(13), at(13, 15)]
    # 11:30 would run into lunch.
    assert type(rejection(clinic, patient, at(11, 30))) is SlotTaken


def test_it_refuses_a_booked_time_and_its_buffer(clinic, patient, dana):
    book(clinic, patient, at(10))

    # Someone else: the patient's own overlap is refused for being theirs.
    overlapping = rejection(clinic, dana, at(10, 30))
    in_buffer = rejection(clinic, dana, at(11))

    assert type(overlapping) is SlotTaken
    assert type(in_buffer) is SlotTaken
    # Alice is busy until 11:10 and her morning ends at 12:00, so the nearest 60-minute
    # sessions are all after lunch.
    assert [slot.start for slot in in_buffer.alternatives] == [
        at(13),
        at(13, 15),
        at(13, 30),
        at(13, 45),
    ]
    # A shorter session fits after the buffer.
    book(clinic, patient, at(11, 15), service=clinic.follow_up)


def test_it_refuses_online_booking_of_a_phone_only_service(clinic, patient):
    clinic.initial.is_online_bookable = False
    clinic.initial.save()

    assert rejection(clinic, patient, at(10)).code == "not_online"

    book(clinic, patient, at(10), source=AppointmentSource.FRONT_DESK)


def test_it_refuses_a_follow_up_as_a_first_visit(clinic, patient):
    error = rejection(clinic, patient, at(14), service=clinic.follow_up)
    assert error.code == "first_visit"

    # A request waits for the front desk, who know whether the patient has been seen.
    requested = book(
        clinic, patient, at(14), service=clinic.follow_up, status=AppointmentStatus.REQUESTED
    )
    assert requested.status == AppointmentStatus.REQUESTED


def test_it_books_a_follow_up_after_a_first_visit(clinic, patient):
    book(clinic, patient, at(10))

    follow_up = book(clinic, patient, at(14), service=clinic.follow_up)

    assert follow_up.status == AppointmentStatus.CONFIRMED


def test_it_rejects_a_naive_time(clinic, patient):
    assert rejection(clinic, patient, at(10).replace(tzinfo=None)).code == "naive"


def seed_appointments(clinic, patient, count: int) -> None:
    """``count`` follow-ups, hourly from 09:00, for Alice in room 1 and Bob in room 2, day
    after day from MONDAY: none overlap, so the constraints accept them all (Bob's are
    another patient's: one patient is in one room at a time)."""
    other = factories.patient(first_name="Erin", last_name="Other", phone="+441134960001")
    people = {clinic.alice: patient, clinic.bob: other}
    appointments = []
    day = MONDAY
    while len(appointments) < count:
        for hour in range(9, 17):
            for practitioner, room in (
                (clinic.alice, clinic.rooms[0]),
                (clinic.bob, clinic.rooms[1]),
            ):
                appointments.append(
                    factories.appointment(
                        clinic,
                        people[practitioner],
                        at(hour, day=day),
                        practitioner=practitioner,
                        room=room,
                        service=clinic.follow_up,
                        source=AppointmentSource.FRONT_DESK,
                        save=False,
                    )
                )
        day += dt.timedelta(days=1)
    Appointment.objects.bulk_create(appointments[:count])


@pytest.mark.parametrize("appointments", [0, 500])
@pytest.mark.parametrize("days", [1, 60])
def test_it_loads_any_window_in_five_queries(
    clinic, patient, django_assert_num_queries, days, appointments
):
    seed_appointments(clinic, patient, appointments)
    last_day = MONDAY + dt.timedelta(days=days - 1)

    # 1. the practitioners who offer the service here, with their users
    # 2. their weekly hours UNION their extra hours in the window
    # 3. their time off UNION the location's closures in the window
    # 4. the location's active rooms
    # 5. the active appointments in the window holding those practitioners or rooms
    with django_assert_num_queries(5):
        loaded = load_schedule(
            service=clinic.initial,
            location=clinic.location,
            first_day=MONDAY,
            last_day=last_day,
        )

    # The data really was there to load: 16 sessions a day, all within 60 days.
    expected = min(appointments, 16 * days)
    assert len(loaded.schedule.bookings) == expected
    assert set(loaded.practitioners) == {clinic.alice.pk, clinic.bob.pk}
