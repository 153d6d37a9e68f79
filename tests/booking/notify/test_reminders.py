"""Reminders: enqueued for the right moment, skipped after a cancel, re-timed on a move.

The immediate test backend cannot run a task later, so reminders go to a recording
backend ("deferred"); these tests then play the worker, running the task's function.
"""

import datetime as dt

import pytest
import time_machine
from django.tasks import task_backends

from booking.notify.tasks import send_reminder
from booking.services.changes import appointment_cancel, appointment_reschedule
from tests import factories
from tests.factories import MONDAY, NOW, at


@pytest.fixture
def deferred():
    backend = task_backends["deferred"]
    backend.clear()
    with time_machine.travel(NOW, tick=False):
        yield backend
    backend.clear()


def book(clinic, patient, start, capture):
    with capture(execute=True):
        return factories.book(clinic, patient, start, source="online")


def reminders(backend):
    return [r for r in backend.results if r.task.name == "send_reminder"]


def test_it_enqueues_the_reminder_a_day_before(
    clinic, patient, deferred, django_capture_on_commit_callbacks, settings
):
    appointment = book(clinic, patient, at(9), django_capture_on_commit_callbacks)
    [reminder] = reminders(deferred)
    assert reminder.task.run_after == at(9) - dt.timedelta(hours=24)
    assert reminder.kwargs == {"appointment_id": appointment.pk, "start": at(9).isoformat()}


def test_it_follows_the_configured_lead(
    clinic, patient, deferred, django_capture_on_commit_callbacks, settings
):
    settings.CLINIC_REMINDER_HOURS = 48
    book(clinic, patient, at(9), django_capture_on_commit_callbacks)
    assert reminders(deferred)[0].task.run_after == at(9) - dt.timedelta(hours=48)


def test_it_sends_the_reminder_when_the_worker_runs_it(
    clinic, patient, deferred, django_capture_on_commit_callbacks, mailoutbox
):
    book(clinic, patient, at(9), django_capture_on_commit_callbacks)
    mailoutbox.clear()
    [reminder] = reminders(deferred)
    with time_machine.travel(reminder.task.run_after, tick=False):
        assert send_reminder.call(**reminder.kwargs) == "sent"
    assert len(mailoutbox) == 1
    assert "Reminder" in mailoutbox[0].subject


def test_it_skips_the_reminder_after_a_cancel(
    clinic, patient, deferred, django_capture_on_commit_callbacks, mailoutbox
):
    appointment = book(clinic, patient, at(9), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, now=NOW, by_patient=True)
    mailoutbox.clear()
    [reminder] = reminders(deferred)
    with time_machine.travel(reminder.task.run_after, tick=False):
        assert send_reminder.call(**reminder.kwargs) == "skipped: not upcoming"
    assert mailoutbox == []


def test_it_re_times_the_reminder_after_a_reschedule(
    clinic, patient, deferred, django_capture_on_commit_callbacks, mailoutbox
):
    appointment = book(clinic, patient, at(9), django_capture_on_commit_callbacks)
    tuesday = MONDAY + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(
            appointment=appointment, start=at(14, day=tuesday), now=NOW, source="online"
        )
    mailoutbox.clear()
    old, new = reminders(deferred)
    assert new.task.run_after == at(14, day=tuesday) - dt.timedelta(hours=24)
    with time_machine.travel(old.task.run_after, tick=False):
        assert send_reminder.call(**old.kwargs) == "skipped: moved"
    with time_machine.travel(new.task.run_after, tick=False):
        assert send_reminder.call(**new.kwargs) == "sent"
    assert len(mailoutbox) == 1


def test_it_sends_no_reminder_for_a_session_inside_the_lead(
    clinic, patient, deferred, django_capture_on_commit_callbacks
):
    tuesday = NOW.date() + dt.timedelta(days=1)  # 5 January, 24 h from now at most
    book(clinic, patient, at(9, day=tuesday), django_capture_on_commit_callbacks)
    assert reminders(deferred) == []


def test_the_reminder_links_the_questions_before_the_visit(
    clinic, patient, deferred, django_capture_on_commit_callbacks, mailoutbox
):
    import re

    from django.test import Client

    appointment = book(clinic, patient, at(9), django_capture_on_commit_callbacks)
    mailoutbox.clear()
    [reminder] = reminders(deferred)
    with time_machine.travel(reminder.task.run_after, tick=False):
        send_reminder.call(**reminder.kwargs)
        path = re.search(r"https?://[^/]+(/visit/\S+/before/)", mailoutbox[0].body).group(1)
        page = Client().get(path)

    assert page.status_code == 200
    assert "Since your last visit" in page.content.decode()
    answers = {item: "no" for item in factories.NO_CHANGE} | {"pain_now": "5"}
    with time_machine.travel(reminder.task.run_after, tick=False):
        Client().post(path, answers)
    assert appointment.visit.recheck_by is None  # answered by the patient
