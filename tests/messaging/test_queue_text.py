"""Queueing a text: recorded whatever happens, sent after commit unless a rule blocks it,
and the reason recorded when one does."""

import datetime as dt

import pytest
import time_machine

import messaging
from messaging.models import MessagingSettings, TextConsent, TextMessage, TextState
from messaging.services.texts import queue_text
from messaging.tasks import deliver_text
from tests import factories
from tests.factories import NOW, at

MOBILE = "+447400123456"
DAYTIME = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def mobile_patient(db):
    return factories.patient(first_name="Mo", phone=MOBILE)


def queue(patient, capture, body="Riverside: see you Mon 11 Jan, 09:00.", **kwargs):
    with time_machine.travel(kwargs.pop("now", DAYTIME), tick=False), capture(execute=True):
        message = queue_text(patient, kind="booked", body=body, **kwargs)
    message.refresh_from_db()  # the worker's changes
    return message


def test_it_sends_after_commit(mobile_patient, django_capture_on_commit_callbacks):
    message = queue(mobile_patient, django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert message.state == TextState.SENT
    assert message.to == MOBILE
    assert message.sent_at == DAYTIME
    assert message.provider_id.startswith("locmem-")
    [sent] = messaging.outbox
    assert (sent.to, sent.body, sent.reference) == (MOBILE, message.body, message.pk)


def test_nothing_leaves_before_commit(mobile_patient):
    queue_text(mobile_patient, kind="booked", body="Hello", now=DAYTIME)
    assert messaging.outbox == []
    assert TextMessage.objects.get().state == TextState.QUEUED


def test_it_stores_the_segments(mobile_patient, django_capture_on_commit_callbacks):
    message = queue(mobile_patient, django_capture_on_commit_callbacks, body="x" * 161)
    assert message.segments == 2
    message = queue(mobile_patient, django_capture_on_commit_callbacks, body="Hi 😀")
    assert message.segments == 1


def test_texts_off_are_recorded_not_sent(
    mobile_patient, settings, django_capture_on_commit_callbacks
):
    settings.TEXTERS = {}
    message = queue(mobile_patient, django_capture_on_commit_callbacks)
    assert (message.state, message.reason) == (TextState.NOT_SENT, "texts are off")
    assert messaging.outbox == []


def test_an_opted_out_patient_gets_none(mobile_patient, django_capture_on_commit_callbacks):
    TextConsent.objects.create(patient=mobile_patient, given=True, at=NOW, source="intake")
    TextConsent.objects.create(
        patient=mobile_patient, given=False, at=NOW + dt.timedelta(hours=1), source="reply"
    )
    message = queue(mobile_patient, django_capture_on_commit_callbacks)
    assert message.state == TextState.NOT_SENT
    assert "STOP" in message.reason
    assert messaging.outbox == []


def test_starting_again_after_stop_sends(mobile_patient, django_capture_on_commit_callbacks):
    TextConsent.objects.create(patient=mobile_patient, given=False, at=NOW, source="reply")
    TextConsent.objects.create(
        patient=mobile_patient, given=True, at=NOW + dt.timedelta(hours=1), source="reply"
    )
    assert queue(mobile_patient, django_capture_on_commit_callbacks).state == TextState.SENT


def test_a_landline_is_refused(patient, django_capture_on_commit_callbacks):
    # Charlie's number is a Leeds landline.
    message = queue(patient, django_capture_on_commit_callbacks)
    assert message.state == TextState.NOT_SENT
    assert message.reason.startswith("landline")
    assert messaging.outbox == []


def test_a_fixed_or_mobile_number_is_allowed(db, django_capture_on_commit_callbacks):
    # In the US a number's type cannot be told from its digits.
    patient = factories.patient(phone="+12015550123")
    assert queue(patient, django_capture_on_commit_callbacks).state == TextState.SENT


def test_a_body_over_the_providers_limit_is_refused(
    mobile_patient, django_capture_on_commit_callbacks
):
    message = queue(mobile_patient, django_capture_on_commit_callbacks, body="x" * 1601)
    assert message.state == TextState.NOT_SENT
    assert message.reason == "too long: 1601 characters, the most is 1600"
    assert len(message.body) == 1600


def test_the_daily_limit_is_the_managers(mobile_patient, django_capture_on_commit_callbacks):
    rules = MessagingSettings.load()
    rules.daily_limit = 2
    rules.save()
    states = [queue(mobile_patient, django_capture_on_commit_callbacks).state for _ in range(3)]
    assert states == [TextState.SENT, TextState.SENT, TextState.NOT_SENT]
    assert TextMessage.objects.latest("pk").reason == "daily limit reached (2 texts a day)"
    # Tomorrow is another day.
    later = DAYTIME + dt.timedelta(days=1)
    assert queue(mobile_patient, django_capture_on_commit_callbacks, now=later).state == "sent"


def test_texts_not_sent_do_not_use_up_the_limit(
    mobile_patient, settings, django_capture_on_commit_callbacks
):
    rules = MessagingSettings.load()
    rules.daily_limit = 1
    rules.save()
    settings.TEXTERS = {}
    queue(mobile_patient, django_capture_on_commit_callbacks)
    settings.TEXTERS = {"default": {"BACKEND": "messaging.backends.locmem.TextBackend"}}
    assert queue(mobile_patient, django_capture_on_commit_callbacks).state == TextState.SENT


def test_a_night_text_waits_for_the_morning(
    mobile_patient, deferred, django_capture_on_commit_callbacks
):
    night = dt.datetime(2027, 1, 4, 22, 30, tzinfo=dt.UTC)
    message = queue(mobile_patient, django_capture_on_commit_callbacks, now=night)
    morning = dt.datetime(2027, 1, 5, 8, 0, tzinfo=dt.UTC)
    assert (message.state, message.send_after) == (TextState.QUEUED, morning)
    assert messaging.outbox == []
    [result] = deferred.results
    assert result.task.name == "deliver_text"
    assert result.task.run_after == morning
    assert result.kwargs == {"message_id": message.pk}
    with time_machine.travel(morning, tick=False):
        assert deliver_text.call(**result.kwargs) == "sent"
    assert len(messaging.outbox) == 1


@pytest.mark.parametrize(
    ("evening", "morning"),
    [
        # Spring: 23:00 GMT on 27 March; 08:00 BST next day is 07:00 UTC.
        (
            dt.datetime(2027, 3, 27, 23, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 3, 28, 7, 0, tzinfo=dt.UTC),
        ),
        # Autumn: 23:00 BST on 30 October; 08:00 GMT next day is 08:00 UTC.
        (
            dt.datetime(2027, 10, 30, 22, 0, tzinfo=dt.UTC),
            dt.datetime(2027, 10, 31, 8, 0, tzinfo=dt.UTC),
        ),
    ],
)
def test_quiet_hours_hold_across_the_clock_change(
    clinic, mobile_patient, deferred, django_capture_on_commit_callbacks, evening, morning
):
    appointment = factories.appointment(clinic, mobile_patient, morning + dt.timedelta(days=2))
    message = queue(
        mobile_patient, django_capture_on_commit_callbacks, now=evening, appointment=appointment
    )
    assert message.send_after == morning
    assert [r.task.run_after for r in deferred.results] == [morning]


def test_the_zone_is_the_appointments_location(
    clinic, mobile_patient, deferred, django_capture_on_commit_callbacks
):
    clinic.location.time_zone = "America/New_York"
    clinic.location.save()
    appointment = factories.appointment(clinic, mobile_patient, at(15))
    # 22:30 in London is 17:30 in New York: sent at once.
    night_in_london = dt.datetime(2027, 1, 4, 22, 30, tzinfo=dt.UTC)
    message = queue(
        mobile_patient,
        django_capture_on_commit_callbacks,
        now=night_in_london,
        appointment=appointment,
    )
    assert message.state == TextState.SENT
    # Without an appointment, the patient's latest appointment's place says the same.
    message = queue(mobile_patient, django_capture_on_commit_callbacks, now=night_in_london)
    assert message.state == TextState.SENT


def test_without_appointments_the_zone_is_the_clinics(
    mobile_patient, settings, deferred, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "Asia/Tokyo"
    # 10:00 UTC is 19:00 in Tokyo: still allowed; 13:00 UTC is 22:00 there.
    assert queue(mobile_patient, django_capture_on_commit_callbacks).state == TextState.SENT
    late = dt.datetime(2027, 1, 4, 13, 0, tzinfo=dt.UTC)
    message = queue(mobile_patient, django_capture_on_commit_callbacks, now=late)
    assert message.state == TextState.QUEUED
    assert message.send_after == dt.datetime(2027, 1, 4, 23, 0, tzinfo=dt.UTC)  # 08:00 JST
