"""Phone bookings, reschedules, cancellations and status changes from the front desk: all
through the booking service, every refusal a message and never an error page."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from booking.models import Appointment, AppointmentSource, AppointmentStatus
from booking.services.changes import appointment_cancel
from tests import factories
from tests.factories import MONDAY, NOW, at, book


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def book_url(clinic) -> str:
    return reverse("staff:book", args=[clinic.location.slug])


def booking_data(clinic, patient, **overrides) -> dict:
    data = {
        "patient": patient.pk,
        "service": clinic.initial.pk,
        "practitioner": clinic.alice.pk,
        "date": MONDAY.isoformat(),
        "time": "10:00",
        "room": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_it_books_a_phone_caller(clinic, patient, desk, rita):
    response = desk.post(book_url(clinic), booking_data(clinic, patient))

    assert response.status_code == 302
    assert response.url.endswith(f"?date={MONDAY.isoformat()}")
    booked = Appointment.objects.get()
    assert (booked.patient, booked.practitioner, booked.start) == (patient, clinic.alice, at(10))
    assert booked.source == AppointmentSource.FRONT_DESK
    assert booked.booked_by == rita
    assert not booked.hours_override
    assert f"Reference {booked.reference}" in texts(response)[0]


def test_it_prefills_the_form_from_a_free_cell(clinic, patient, desk):
    response = desk.get(
        book_url(clinic),
        {"patient": patient.pk, "practitioner": clinic.bob.pk, "start": "20270111T1430Z"},
    )

    form = response.context["form"]
    assert form.initial == {
        "date": MONDAY,
        "time": dt.time(14, 30),
        "practitioner": clinic.bob.pk,
    }


def test_it_asks_for_the_patient_first(clinic, patient, desk):
    response = desk.get(book_url(clinic), {"q": "charlie", "start": "20270111T1000Z"})

    assert list(response.context["results"]) == [patient]
    assert f"?patient={patient.pk}&amp;start=20270111T1000Z" in response.content.decode()


def test_it_refuses_a_taken_time_with_a_message_and_nearby_times(clinic, patient, erin, desk):
    book(clinic, erin, at(10))

    response = desk.post(book_url(clinic), booking_data(clinic, patient))

    assert response.status_code == 400
    assert "no longer free" in texts(response)[0]
    assert response.context["alternatives"]
    assert Appointment.objects.count() == 1


def test_it_books_outside_hours_only_with_the_override(clinic, patient, desk):
    evening = booking_data(clinic, patient, time="18:00")

    refused = desk.post(book_url(clinic), evening)
    assert refused.status_code == 400
    assert not Appointment.objects.exists()

    allowed = desk.post(book_url(clinic), {**evening, "override_hours": "on"})
    assert allowed.status_code == 302
    assert Appointment.objects.get().hours_override is True


def test_it_never_overrides_onto_another_appointment_or_a_taken_room(clinic, patient, erin, desk):
    first = book(clinic, erin, at(18), override_hours=True, room=clinic.rooms[0])

    same_person = desk.post(
        book_url(clinic), booking_data(clinic, patient, time="18:00", override_hours="on")
    )
    same_room = desk.post(
        book_url(clinic),
        booking_data(
            clinic,
            patient,
            time="18:00",
            override_hours="on",
            practitioner=clinic.bob.pk,
            room=first.room_id,
        ),
    )

    assert same_person.status_code == same_room.status_code == 400
    assert Appointment.objects.count() == 1


def test_it_shows_form_errors_for_a_time_that_does_not_exist(clinic, patient, desk):
    spring_forward = dt.date(2027, 3, 28)

    response = desk.post(
        book_url(clinic),
        booking_data(clinic, patient, date=spring_forward.isoformat(), time="01:30"),
    )

    assert response.status_code == 400
    assert "does not exist" in response.content.decode()


def test_it_moves_an_appointment_to_another_time_practitioner_and_room(clinic, patient, desk):
    booked = book(clinic, patient, at(10), room=clinic.rooms[0])
    url = reverse("staff:appointment_reschedule", args=[booked.reference])

    response = desk.post(
        url,
        {
            "date": MONDAY.isoformat(),
            "time": "14:00",
            "practitioner": clinic.bob.pk,
            "room": clinic.rooms[1].pk,
        },
    )

    assert response.status_code == 302
    booked.refresh_from_db()
    assert (booked.start, booked.practitioner, booked.room) == (at(14), clinic.bob, clinic.rooms[1])


def test_it_refuses_to_move_onto_another_appointment(clinic, patient, erin, desk):
    book(clinic, erin, at(14))
    booked = book(clinic, patient, at(10))
    url = reverse("staff:appointment_reschedule", args=[booked.reference])

    response = desk.post(url, {"date": MONDAY.isoformat(), "time": "14:30"})

    assert response.status_code == 400
    assert "no longer free" in texts(response)[0]
    booked.refresh_from_db()
    assert booked.start == at(10)


def test_it_cancels_with_a_reason(clinic, patient, desk):
    booked = book(clinic, patient, at(10))
    url = reverse("staff:appointment_cancel", args=[booked.reference])

    response = desk.post(url, {"reason": "Caller is unwell"})

    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED
    assert booked.cancellation_reason == "Caller is unwell"


def test_it_needs_a_reason_to_cancel(clinic, patient, desk):
    booked = book(clinic, patient, at(10))

    response = desk.post(reverse("staff:appointment_cancel", args=[booked.reference]), {})

    assert "reason" in texts(response)[0]
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CONFIRMED


def test_it_records_a_late_cancellation_inside_the_window(
    clinic, patient, desk, rita, time_machine
):
    booked = book(clinic, patient, at(10))
    time_machine.move_to(at(8), tick=False)
    factories.signed_in(desk, rita)  # signed in at the desk that morning

    desk.post(reverse("staff:appointment_cancel", args=[booked.reference]), {"reason": "Late"})

    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.LATE_CANCELLED


def status(desk, appointment, action):
    url = reverse("staff:appointment_status", args=[appointment.reference])
    return desk.post(url, {"action": action})


def test_it_checks_in_completes_and_marks_no_shows_on_the_day(
    clinic, patient, desk, rita, time_machine
):
    first = book(clinic, patient, at(10))
    second = book(clinic, patient, at(14), service=clinic.follow_up)
    time_machine.move_to(at(10, 5), tick=False)
    factories.signed_in(desk, rita)  # signed in at the desk that morning

    status(desk, first, "check_in")
    status(desk, first, "complete")
    time_machine.move_to(at(14, 20), tick=False)
    factories.signed_in(desk, rita)  # signed out after 30 idle minutes: signs in again
    response = status(desk, second, "no_show")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("check_in", "cannot be checked in"),
        ("complete", "cannot be completed"),
        ("no_show", "cannot be marked a no-show"),
        ("explode", "Unknown action"),
    ],
)
def test_it_refuses_transitions_of_a_cancelled_appointment(clinic, patient, desk, action, message):
    booked = book(clinic, patient, at(10))
    appointment_cancel(appointment=booked, now=NOW, by_patient=False, reason="x")

    response = status(desk, booked, action)

    assert response.status_code == 302
    assert message in texts(response)[0]
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED


def test_it_refuses_to_complete_a_future_appointment(clinic, patient, desk):
    booked = book(clinic, patient, at(10))

    response = status(desk, booked, "complete")

    assert "before it starts" in texts(response)[0]
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CONFIRMED


def test_it_refuses_check_in_before_the_day(clinic, patient, desk):
    booked = book(clinic, patient, at(10))

    response = status(desk, booked, "check_in")

    assert "only on the day" in texts(response)[0]


def test_it_shows_the_actions_an_appointment_allows(clinic, patient, desk):
    booked = book(clinic, patient, at(10))
    appointment_cancel(appointment=booked, now=NOW, by_patient=False, reason="x")

    response = desk.get(reverse("staff:appointment", args=[booked.reference]))

    assert response.status_code == 200
    assert response.context["actions"] == []
    assert not response.context["can_change"]


def test_it_surfaces_matching_waitlist_entries_when_cancelling(clinic, patient, desk):
    booked = book(clinic, patient, at(10))
    waiting = factories.patient(first_name="Wanda", last_name="Waiting")
    factories.waitlist_entry(
        patient=waiting,
        service=clinic.initial,
        time_of_day="morning",
        source=AppointmentSource.FRONT_DESK,
    )

    response = desk.post(
        reverse("staff:appointment_cancel", args=[booked.reference]),
        {"reason": "Moved away"},
        follow=True,
    )

    body = response.content.decode()
    assert "Wanda Waiting" in body
    (freed,) = response.context["cal"].freed
    assert [e.patient for e in freed.entries] == [waiting]
    cell = next(
        c
        for c in response.context["cal"].free
        if c.practitioner_id == clinic.alice.pk and c.start == at(10)
    )
    assert cell.waitlist == 1
