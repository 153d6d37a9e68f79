"""Patients' emails: sent after commit, text and HTML, the minimum and a manage link."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from icalendar import Calendar

from booking.services.changes import appointment_cancel, appointment_reschedule
from tests import factories
from tests.factories import NOW, at

CLINICAL_WORDS = ["screening", "pregnan", "anticoagul", "diagnos", "epilep", "consent to"]


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def book(clinic, patient):
    return factories.book(clinic, patient, at(9), source="online")


def by_subject(outbox, word):
    return [m for m in outbox if word in m.subject]


def test_it_sends_a_confirmation_with_a_calendar_file(
    clinic, patient, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(clinic, patient)
    [message] = by_subject(mailoutbox, "booked")
    assert message.to == [patient.email]
    html = message.alternatives[0].content
    for body in (message.body, html):
        assert "Monday 11 January 2027, 09:00" in body
        assert "GMT" in body
        assert clinic.location.name in body
        assert "Alice" in body
        assert clinic.initial.name in body
        assert "/appointment/" in body  # the manage link
        assert not any(word in body.lower() for word in CLINICAL_WORDS)
    [(name, content, mimetype)] = message.attachments
    assert name == "appointment.ics"
    assert mimetype.startswith("text/calendar")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart").astimezone(dt.UTC) == appointment.start


def test_it_asks_a_new_patient_to_fill_in_the_intake(
    clinic, patient, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(clinic, patient)
    [message] = by_subject(mailoutbox, "pre-visit forms")
    assert "/intake/" in message.body or "http" in message.body
    assert not any(word in message.body.lower() for word in ["pregnan", "anticoagul"])


def test_it_sends_nothing_for_a_booking_that_rolled_back(
    clinic, patient, mailoutbox, django_capture_on_commit_callbacks
):
    def book_then_fail() -> None:
        with transaction.atomic():
            book(clinic, patient)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        book_then_fail()
    assert mailoutbox == []


def test_it_emails_a_move_and_a_cancellation(
    clinic, patient, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = book(clinic, patient)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_reschedule(
            appointment=appointment,
            start=at(14),
            now=NOW,
            source="online",
        )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, now=NOW, by_patient=True)
    [moved] = by_subject(mailoutbox, "moved")
    [cancelled] = by_subject(mailoutbox, "cancelled")
    assert "14:00" in moved.body
    calendar = Calendar.from_ical(cancelled.attachments[0][1])
    assert str(calendar["METHOD"]) == "CANCEL"
