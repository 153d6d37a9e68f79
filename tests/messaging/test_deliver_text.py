"""The worker's delivery: it looks again when it runs, sends once, and records what the
provider said."""

import datetime as dt

import pytest
import time_machine

import messaging
from booking.models import AppointmentStatus
from messaging.models import TextConsent, TextMessage, TextState
from messaging.tasks import deliver_text, text_deliver
from tests import factories
from tests.factories import at

MOBILE = "+447400123456"
DAYTIME = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)


def queued(patient, **fields) -> TextMessage:
    """A queued text, as queue_text leaves it before the worker runs."""
    return TextMessage.objects.create(
        patient=patient,
        kind=fields.pop("kind", "booked"),
        to=MOBILE,
        body="Riverside: see you soon.",
        send_after=DAYTIME,
        **fields,
    )


@pytest.fixture
def mo(db):
    return factories.patient(first_name="Mo", phone=MOBILE)


def test_it_sends_and_records(mo):
    message = queued(mo)
    assert text_deliver(message_id=message.pk, now=DAYTIME) == "sent"
    message.refresh_from_db()
    assert (message.state, message.sent_at) == (TextState.SENT, DAYTIME)
    assert message.provider_id.startswith("locmem-")


def test_running_twice_sends_once(mo):
    message = queued(mo)
    with time_machine.travel(DAYTIME, tick=False):
        assert deliver_text.call(message_id=message.pk) == "sent"
        assert deliver_text.call(message_id=message.pk) == "skipped: sent"
    assert len(messaging.outbox) == 1


def test_a_missing_text_is_skipped(db):
    assert text_deliver(message_id=123456, now=DAYTIME) == "missing"


def test_a_stop_since_queueing_is_honoured(mo):
    message = queued(mo)
    TextConsent.objects.create(patient=mo, given=False, at=DAYTIME, source="reply")
    assert text_deliver(message_id=message.pk, now=DAYTIME).startswith("not sent")
    message.refresh_from_db()
    assert (message.state, message.reason) == (
        TextState.NOT_SENT,
        "the patient opted out of texts (STOP)",
    )
    assert messaging.outbox == []


def test_a_cancelled_appointment_is_not_texted_about(clinic, mo):
    appointment = factories.appointment(clinic, mo, at(9), status=AppointmentStatus.CANCELLED)
    message = queued(mo, appointment=appointment, kind="reminder")
    text_deliver(message_id=message.pk, now=DAYTIME)
    message.refresh_from_db()
    assert message.state == TextState.NOT_SENT
    assert message.reason.startswith("the appointment is cancelled")


def test_a_cancellation_text_still_goes(clinic, mo):
    appointment = factories.appointment(clinic, mo, at(9), status=AppointmentStatus.CANCELLED)
    message = queued(mo, appointment=appointment, kind="cancelled")
    assert text_deliver(message_id=message.pk, now=DAYTIME) == "sent"


def test_a_past_appointment_is_not_texted_about(clinic, mo):
    appointment = factories.appointment(clinic, mo, at(9))
    message = queued(mo, appointment=appointment, kind="reminder")
    text_deliver(message_id=message.pk, now=at(9, 30))
    message.refresh_from_db()
    assert (message.state, message.reason) == (
        TextState.NOT_SENT,
        "the appointment has started or passed",
    )


def test_woken_at_night_it_waits_for_the_morning(mo, deferred, django_capture_on_commit_callbacks):
    message = queued(mo)
    night = dt.datetime(2027, 1, 4, 23, 0, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = text_deliver(message_id=message.pk, now=night)
    morning = dt.datetime(2027, 1, 5, 8, 0, tzinfo=dt.UTC)
    assert outcome == f"quiet hours: again at {morning.isoformat()}"
    message.refresh_from_db()
    assert (message.state, message.send_after) == (TextState.QUEUED, morning)
    [result] = deferred.results
    assert (result.task.run_after, result.kwargs) == (morning, {"message_id": message.pk})
    assert messaging.outbox == []


def test_texts_turned_off_since(mo, settings):
    message = queued(mo)
    settings.TEXTERS = {}
    text_deliver(message_id=message.pk, now=DAYTIME)
    message.refresh_from_db()
    assert (message.state, message.reason) == (TextState.NOT_SENT, "texts are off")
