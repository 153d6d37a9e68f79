"""Booking a course in one go: all or none, one email with every session, cancelling the
rest in one action, and the front-desk pages for it."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from booking.models import Appointment, AppointmentSource, AppointmentStatus, Course
from booking.notify import ics
from booking.services.courses import SessionChoice, course_book, course_cancel_rest
from booking.services.placement import BookingError, SlotTaken
from tests.test_staff_support import MONDAY, NOW, RECEPTIONIST, at, book, make_staff

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


# The pages


def plan_query(clinic, **overrides) -> dict:
    return {
        "service": clinic.initial.pk,
        "practitioner": clinic.alice.pk,
        "sessions": 4,
        "every_days": 7,
        "from_date": MONDAY.isoformat(),
        "weekday": 0,
        "time": "10:00",
    } | overrides


def sessions_post(starts, practitioner) -> dict:
    data = {"form-TOTAL_FORMS": len(starts), "form-INITIAL_FORMS": len(starts)}
    for n, start in enumerate(starts):
        data |= {
            f"form-{n}-date": start.date().isoformat(),
            f"form-{n}-time": start.strftime("%H:%M"),
            f"form-{n}-practitioner": practitioner.pk,
        }
    return data


@pytest.fixture
def desk(client):
    client.force_login(make_staff("rita", RECEPTIONIST))
    return client


def test_the_desk_sees_the_proposed_series(clinic, patient, desk):
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])

    response = desk.get(url, plan_query(clinic))

    assert response.status_code == 200
    proposal = response.context["proposal"]
    assert [s.slot.start for s in proposal] == weekly(at(10), 4)


def test_the_desk_books_the_adjusted_series(clinic, patient, desk):
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])
    query = "?" + "&".join(f"{k}={v}" for k, v in plan_query(clinic).items())
    starts = weekly(at(10), 4)
    starts[2] = starts[2] + dt.timedelta(days=1, hours=4)  # moved to Tuesday 14:00

    response = desk.post(url + query, sessions_post(starts, clinic.alice))

    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:course", args=[course.pk])
    assert sorted(course.appointments.values_list("start", flat=True)) == starts


def test_a_refused_course_shows_the_reason_and_books_nothing(clinic, patient, desk):
    other = patient.__class__.objects.create(
        first_name="Dana",
        last_name="Other",
        email="d@example.com",
        date_of_birth=dt.date(1990, 1, 1),
    )
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])
    query = "?" + "&".join(f"{k}={v}" for k, v in plan_query(clinic).items())
    starts = weekly(at(10), 4)
    book(clinic, other, starts[3])

    response = desk.post(url + query, sessions_post(starts, clinic.alice))

    assert response.status_code == 400
    assert "Session 4" in response.text
    assert not Course.objects.exists()


def test_the_desk_cancels_the_rest_from_the_course_page(clinic, patient, desk):
    course = book_course(clinic, patient, weekly(at(10), 3))

    page = desk.get(reverse("staff:course", args=[course.pk]))
    response = desk.post(reverse("staff:course_cancel", args=[course.pk]), {"reason": "Moved away"})

    assert page.status_code == 200
    assert "Cancel the rest of the course" in page.text
    assert response.status_code == 302
    assert not course.appointments.active().exists()


def test_course_pages_need_the_booking_permissions(clinic, patient, client):
    client.force_login(make_staff("nobody", None))
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])

    assert client.get(url).status_code == 403


# The portal


def portal_sign_in(client, patient):
    from booking import links

    client.post(reverse("booking:portal_enter", args=[links.sign_in_token(patient)]))


def returning(clinic, patient):
    visit = book(clinic, patient, at(9) - 3 * dt.timedelta(days=7), now=NOW - dt.timedelta(days=30))
    Appointment.objects.filter(pk=visit.pk).update(status=AppointmentStatus.COMPLETED)


def portal_query(clinic) -> str:
    query = plan_query(clinic) | {"service": clinic.follow_up.pk}
    return "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_the_portal_offers_courses_only_if_the_clinic_allows_it(clinic, patient, client):
    returning(clinic, patient)
    portal_sign_in(client, patient)
    url = reverse("booking:portal_course", args=[clinic.location.slug])

    assert client.get(url).status_code == 404
    assert "Book a course" not in client.get(reverse("booking:portal")).text
    clinic.policy.courses_online = True
    clinic.policy.save()
    assert "Book a course" in client.get(reverse("booking:portal")).text
    assert client.get(url).status_code == 200


def test_a_returning_patient_books_a_course_in_the_portal(clinic, patient, client):
    clinic.policy.courses_online = True
    clinic.policy.save()
    returning(clinic, patient)
    portal_sign_in(client, patient)
    url = reverse("booking:portal_course", args=[clinic.location.slug]) + portal_query(clinic)
    starts = weekly(at(10), 4)

    response = client.post(url, sessions_post(starts, clinic.alice))
    again = client.post(url, sessions_post(weekly(at(14), 4), clinic.alice))

    assert response.status_code == 302
    course = Course.objects.get()
    assert course.source == AppointmentSource.ONLINE
    assert sorted(course.appointments.values_list("start", flat=True)) == starts
    assert again.status_code == 400  # one upcoming course at a time online
    assert "already have a course" in again.text
