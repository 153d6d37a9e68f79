"""Booking a course in one go: all or none, one email with every session, cancelling the
rest in one action, and the front-desk pages for it."""

import datetime as dt

import pytest
import time_machine
from icalendar import Calendar

from booking.models import Appointment, AppointmentSource, AppointmentStatus, Course
from booking.notify import ics
from booking.services.courses import SessionChoice, course_book, course_cancel_rest
from booking.services.placement import BookingError, SlotTaken
from tests.factories import NOW, at, book

WEEK = dt.timedelta(weeks=1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def weekly(first: dt.datetime, count: int) -> list[dt.datetime]:
    return [first + n * WEEK for n in range(count)]


def book_course(clinic, patient, starts, practitioner="alice", **kwargs) -> Course:
    who = getattr(clinic, practitioner) if practitioner else None
    return course_book(
        patient=patient,
        service=kwargs.pop("service", clinic.initial),
        location=clinic.location,
        practitioner=who,
        every_days=7,
        sessions=[SessionChoice(start=start, practitioner=who) for start in starts],
        source=kwargs.pop("source", AppointmentSource.FRONT_DESK),
        now=NOW,
        **kwargs,
    )


def test_it_books_every_session_and_links_them_to_the_course(clinic, patient):
    course = book_course(clinic, patient, weekly(at(10), 4))

    sessions = list(course.appointments.order_by("start"))
    assert [a.start for a in sessions] == weekly(at(10), 4)
    assert {a.status for a in sessions} == {AppointmentStatus.CONFIRMED}
    assert {a.practitioner_id for a in sessions} == {clinic.alice.pk}


def test_a_course_that_cannot_be_booked_whole_books_nothing(clinic, patient, django_user_model):
    other = patient.__class__.objects.create(
        first_name="Dana",
        last_name="Other",
        email="d@example.com",
        date_of_birth=dt.date(1990, 1, 1),
    )
    book(clinic, other, at(10) + 2 * WEEK)  # alice, the third session's time

    with pytest.raises(SlotTaken, match="Session 3") as caught:
        book_course(clinic, patient, weekly(at(10), 4))

    assert "Nothing was booked" in caught.value.message
    assert Course.objects.count() == 0
    assert Appointment.objects.filter(patient=patient).count() == 0


def test_it_refuses_sessions_closer_than_the_minimum_gap(clinic, patient):
    clinic.policy.course_min_gap_hours = 48
    clinic.policy.save()

    with pytest.raises(BookingError, match="48 hours apart"):
        book_course(clinic, patient, [at(10), at(10) + dt.timedelta(days=1)])

    assert not Appointment.objects.exists()


def test_any_practitioner_sessions_go_to_whoever_is_free(clinic, patient):
    other = patient.__class__.objects.create(
        first_name="Dana",
        last_name="Other",
        email="d@example.com",
        date_of_birth=dt.date(1990, 1, 1),
    )
    book(clinic, other, at(10) + WEEK, practitioner=clinic.alice)

    course = book_course(clinic, patient, weekly(at(10), 3), practitioner=None)

    assert course.appointments.count() == 3
    assert course.appointments.get(start=at(10) + WEEK).practitioner == clinic.bob


def test_one_email_lists_every_session_with_one_calendar_file(
    clinic, patient, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        course = book_course(clinic, patient, weekly(at(10), 4))

    [message] = [m for m in mailoutbox if "course" in m.subject]
    assert not [m for m in mailoutbox if "is booked" in m.subject and m is not message]
    sessions = list(course.appointments.order_by("start"))
    for appointment in sessions:
        assert appointment.reference in message.body
    [(name, content, mimetype)] = message.attachments
    assert name == "course.ics"
    assert mimetype.startswith("text/calendar; method=REQUEST")
    events = Calendar.from_ical(content).walk("VEVENT")
    assert sorted(str(e["uid"]) for e in events) == sorted(ics.uid(a) for a in sessions)
    assert sorted(e.decoded("dtstart").astimezone(dt.UTC) for e in events) == weekly(at(10), 4)


def test_cancelling_the_rest_of_the_course_is_one_action(
    clinic, patient, mailoutbox, django_capture_on_commit_callbacks
):
    course = book_course(clinic, patient, weekly(at(10), 4))
    mailoutbox.clear()
    after_first = at(12) + dt.timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = course_cancel_rest(course=course, now=after_first, reason="Feeling better")

    assert [a.start for a in cancelled] == weekly(at(10), 4)[1:]
    statuses = dict(course.appointments.values_list("start", "status"))
    assert statuses[at(10)] == AppointmentStatus.CONFIRMED  # already past: left alone
    assert {statuses[s] for s in weekly(at(10), 4)[1:]} == {AppointmentStatus.CANCELLED}
    [message] = [m for m in mailoutbox if "cancelled" in m.subject]
    assert Calendar.from_ical(message.attachments[0][1]).get("method") == "CANCEL"
    with pytest.raises(BookingError, match="No sessions"):
        course_cancel_rest(course=course, now=after_first, reason="again")


def test_a_follow_up_course_needs_an_assessment_before_it(clinic, patient):
    with pytest.raises(BookingError, match="first visit"):
        book_course(clinic, patient, weekly(at(10), 2), service=clinic.follow_up)

    book(clinic, patient, at(9))
    course = book_course(clinic, patient, weekly(at(11), 2), service=clinic.follow_up)
    assert course.appointments.count() == 2
