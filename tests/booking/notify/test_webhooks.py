"""Webhooks: signed with the shared secret, delivered after commit by the task worker,
retried with backoff, every attempt logged. Receivers are local test servers on
127.0.0.1 only, opened to webhooks for these tests alone."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import transaction

from booking.models import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent
from booking.notify import webhooks
from booking.services.changes import appointment_cancel
from booking.services.status import appointment_transition
from tests.factories import NOW, at, book

SECRET = "shared-secret"


@pytest.fixture(autouse=True)
def _receivers_on_loopback(loopback_webhooks):
    pass


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def register(url: str, events=tuple(WebhookEvent.values)) -> Webhook:
    return Webhook.objects.create(name="Accounts", url=url, events=list(events), secret=SECRET)


def test_the_signature_verifies_with_the_shared_secret():
    body = b'{"event": "appointment.created"}'
    stamp = int(NOW.timestamp())
    signature = webhooks.sign(SECRET, stamp, body)

    assert webhooks.verify(SECRET, timestamp=str(stamp), signature=signature, body=body, now=NOW)
    assert not webhooks.verify(
        "other", timestamp=str(stamp), signature=signature, body=body, now=NOW
    )
    assert not webhooks.verify(
        SECRET, timestamp=str(stamp), signature=signature, body=body + b" ", now=NOW
    )
    later = NOW + dt.timedelta(minutes=6)  # a replay after the tolerance
    assert not webhooks.verify(
        SECRET, timestamp=str(stamp), signature=signature, body=body, now=later
    )


def test_a_booking_is_delivered_signed_after_commit(
    clinic, patient, receiver_factory, django_capture_on_commit_callbacks
):
    receiver = receiver_factory([200])
    register(receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(clinic, patient, at(10))

    [(headers, body)] = receiver.received
    assert webhooks.verify(
        SECRET,
        timestamp=headers["X-Clinic-Timestamp"],
        signature=headers["X-Clinic-Signature"],
        body=body,
        now=NOW,
    )
    payload = json.loads(body)
    assert payload["event"] == "appointment.created"
    assert payload["appointment"]["reference"] == appointment.reference
    assert patient.last_name not in body.decode()  # ids and times only
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert list(delivery.attempt_log.values_list("response_status", flat=True)) == [200]


def test_a_failing_receiver_is_retried_with_backoff_and_every_attempt_logged(
    clinic, patient, receiver_factory, django_capture_on_commit_callbacks, settings, clock
):
    settings.CLINIC_WEBHOOK_BACKOFF_SECONDS = 30
    receiver = receiver_factory([500, 503, 200])
    register(receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        book(clinic, patient, at(10))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at == NOW + dt.timedelta(seconds=30)

    # The worker runs each retry when it is due.
    clock.move_to(delivery.next_attempt_at)
    assert webhooks.deliver_webhook.call(delivery_id=delivery.pk) == "retry 2"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == NOW + dt.timedelta(seconds=30 + 60)
    clock.move_to(delivery.next_attempt_at)
    assert webhooks.deliver_webhook.call(delivery_id=delivery.pk) == DeliveryStatus.DELIVERED

    delivery.refresh_from_db()
    assert delivery.attempts == 3
    assert list(delivery.attempt_log.values_list("response_status", flat=True)) == [500, 503, 200]
    assert len(receiver.received) == 3
    assert webhooks.deliver_webhook.call(delivery_id=delivery.pk) == "skipped"


def test_a_receiver_that_never_answers_fails_after_the_last_attempt(
    clinic, patient, receiver_factory, django_capture_on_commit_callbacks, settings
):
    settings.CLINIC_WEBHOOK_ATTEMPTS = 2
    receiver = receiver_factory([200])
    url = receiver.url
    receiver.close()  # nothing listens there any more
    register(url)

    with django_capture_on_commit_callbacks(execute=True):
        book(clinic, patient, at(10))
    delivery = WebhookDelivery.objects.get()
    webhooks.deliver_webhook.call(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    errors = list(delivery.attempt_log.values_list("response_status", "error"))
    # A fixed phrase, not the socket's own words ("[Errno 111] Connection refused").
    assert errors == [(None, "could not connect")] * 2


def test_events_follow_the_appointment_and_only_subscribed_ones_are_sent(
    clinic, patient, receiver_factory, django_capture_on_commit_callbacks, clock
):
    receiver = receiver_factory([200])
    register(
        receiver.url,
        events=[WebhookEvent.APPOINTMENT_CANCELLED, WebhookEvent.APPOINTMENT_COMPLETED],
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = book(clinic, patient, at(10))
        second = book(clinic, patient, at(14))
        appointment_cancel(appointment=first, now=NOW, by_patient=False, reason="Unwell")
    clock.move_to(at(15))
    with django_capture_on_commit_callbacks(execute=True):
        appointment_transition(appointment=second, action="complete", now=at(15), by=None)

    events = [json.loads(body)["event"] for _, body in receiver.received]
    assert events == ["appointment.cancelled", "appointment.completed"]


def test_a_rolled_back_change_sends_nothing(clinic, patient, receiver_factory):
    receiver = receiver_factory([200])
    register(receiver.url)

    def book_then_fail():
        with transaction.atomic():
            book(clinic, patient, at(10))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        book_then_fail()

    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []
