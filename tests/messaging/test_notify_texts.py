"""Texts beside the emails: a patient who chose texts gets the email and a text with a
short link; everyone else the email alone. Nothing clinical in a text."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings

import messaging
from booking.notify.tasks import send_reminder, send_sign_in_link
from booking.services.changes import appointment_cancel, appointment_reschedule
from messaging.models import MessagingSettings, ShortLink, TextMessage, TextState
from messaging.segments import count
from patients.models import ContactMethod
from tests import factories
from tests.factories import NOW, at

MOBILE = "+447400123456"
SHORT = re.compile(r"https?://\S+/t/([a-z0-9]{8})")
CLINICAL = ("needl", "pain", "assessment", "complaint", "treatment")


@pytest.fixture
def deferred(deferred):
    with time_machine.travel(NOW, tick=False):
        yield deferred


@pytest.fixture
def mo(db):
    patient = factories.patient(first_name="Mo", phone=MOBILE)
    patient.preferred_contact = ContactMethod.SMS
    patient.save()
    return patient


def book(clinic, patient, capture, start=None):
    with capture(execute=True):
        return factories.book(clinic, patient, start or at(9), source="online")


def followed(client, body: str) -> str:
    code = SHORT.search(body)[1]
    response = client.get(f"/t/{code}")
    assert response.status_code == 302
    return response["Location"]


def assert_fit_for_a_text(body: str) -> None:
    words = body.replace(settings.CLINIC_NAME, "").lower()  # the clinic's name is its own
    assert not any(word in words for word in CLINICAL), body
    assert count(body).parts == 1, (len(body), body)


def test_a_booking_is_emailed_and_texted(
    client, clinic, mo, deferred, django_capture_on_commit_callbacks, mailoutbox
):
    appointment = book(clinic, mo, django_capture_on_commit_callbacks)
    assert [m.subject.split(" · ")[0] for m in mailoutbox][:1] == ["Your appointment is booked"]
    [text] = messaging.outbox
    assert text.to == MOBILE
    assert "Mo, booked: Mon 11 Jan, 09:00 at Riverside with Alice" in text.body
    assert_fit_for_a_text(text.body)
    assert followed(client, text.body).startswith("/appointment/")
    message = TextMessage.objects.get()
    assert (message.kind, message.appointment, message.state) == (
        "booked",
        appointment,
        TextState.SENT,
    )


def test_others_get_the_email_alone(
    clinic, patient, deferred, django_capture_on_commit_callbacks, mailoutbox
):
    book(clinic, patient, django_capture_on_commit_callbacks)
    assert mailoutbox
    assert messaging.outbox == []
    assert not TextMessage.objects.exists()


def test_texts_to_everyone_as_a_second_channel(
    clinic, deferred, django_capture_on_commit_callbacks, mailoutbox
):
    rules = MessagingSettings.load()
    rules.texts_to_everyone = True
    rules.save()
    dana = factories.patient(first_name="Dana", phone=MOBILE)
    book(clinic, dana, django_capture_on_commit_callbacks)
    assert len(messaging.outbox) == 1
    assert mailoutbox


def test_a_move_and_a_cancellation_are_texted(
    clinic, mo, deferred, django_capture_on_commit_callbacks
):
    appointment = book(clinic, mo, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointment_reschedule(
            appointment=appointment, start=at(10), now=NOW, source="online"
        )
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, now=NOW, by_patient=True)
    kinds = list(TextMessage.objects.order_by("pk").values_list("kind", "state"))
    assert kinds == [("booked", "sent"), ("rescheduled", "sent"), ("cancelled", "sent")]
    moved, cancelled = messaging.outbox[1:]
    assert "new time: Mon 11 Jan, 10:00" in moved.body
    assert "Mon 11 Jan, 10:00 at Riverside is cancelled" in cancelled.body
    for text in messaging.outbox:
        assert_fit_for_a_text(text.body)


def test_the_reminder_asks_for_a_reply(clinic, mo, deferred, django_capture_on_commit_callbacks):
    book(clinic, mo, django_capture_on_commit_callbacks)
    messaging.outbox.clear()
    [reminder] = [r for r in deferred.results if r.task.name == "send_reminder"]
    with (
        time_machine.travel(reminder.task.run_after, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send_reminder.call(**reminder.kwargs) == "sent"
    [text] = messaging.outbox
    assert text.body.endswith("Reply C to confirm, X to cancel.")
    assert "Mon 11 Jan, 09:00 at Riverside" in text.body
    assert_fit_for_a_text(text.body)


def test_the_sign_in_link_is_texted_short_and_expires_with_it(
    client, mo, deferred, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_sign_in_link.call(patient_ids=[mo.pk]) == 1
    [text] = messaging.outbox
    assert f"for {settings.CLINIC_SIGN_IN_LINK_MINUTES} minutes" in text.body
    assert followed(client, text.body).startswith("/my/sign-in/")
    link = ShortLink.objects.get()
    assert link.expires_at == NOW + dt.timedelta(minutes=settings.CLINIC_SIGN_IN_LINK_MINUTES)
    assert_fit_for_a_text(text.body)


def test_a_waitlist_offer_is_texted(
    client, clinic, patient, mo, deferred, django_capture_on_commit_callbacks
):
    factories.waitlist_entry(patient=mo, service=clinic.initial)
    appointment = book(clinic, patient, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_cancel(appointment=appointment, now=NOW, by_patient=True)
    [text] = messaging.outbox
    assert "a time has come free: Mon 11 Jan, 09:00 at Riverside" in text.body
    assert followed(client, text.body).startswith("/waitlist/claim/")
    assert ShortLink.objects.get().expires_at == at(9)
    assert_fit_for_a_text(text.body)
