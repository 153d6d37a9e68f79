"""Webhooks: appointment events for the clinic's other tools (Saleor's pattern: events as
an enum, payloads built here and nowhere else, every attempt stored, retried by a task).

A change writes one ``WebhookDelivery`` per subscribed webhook inside its own transaction
(so a rolled-back change sends nothing), and enqueues the delivery once it commits. The
worker POSTs the JSON with two headers:

    X-Clinic-Timestamp: <unix seconds>
    X-Clinic-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>

A receiver recomputes the signature with the shared secret and refuses old timestamps
(``verify``). A failure (no answer, or not 2xx) is retried after
``CLINIC_WEBHOOK_BACKOFF_SECONDS``, doubling, up to ``CLINIC_WEBHOOK_ATTEMPTS`` attempts.
Payloads carry ids, times and statuses: no names, nothing clinical.
"""

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from booking.models import (
    Appointment,
    DeliveryStatus,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)

TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Clinic-Signature"
TIMESTAMP_HEADER = "X-Clinic-Timestamp"
# How old a delivery's timestamp a receiver should still accept.
TOLERANCE = dt.timedelta(minutes=5)


def appointment_payload(event: WebhookEvent, appointment: Appointment) -> dict:
    """The one shape of an appointment event."""
    return {
        "event": event.value,
        "appointment": {
            "reference": appointment.reference,
            "status": appointment.status,
            "start": appointment.start.isoformat(),
            "end": appointment.end.isoformat(),
            "service_id": appointment.service_id,
            "location_id": appointment.location_id,
            "practitioner_id": appointment.practitioner_id,
            "room_id": appointment.room_id,
            "patient_id": appointment.patient_id,
            "course_id": appointment.course_id,
            "source": appointment.source,
        },
    }


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, *, timestamp: str, signature: str, body: bytes, now: dt.datetime) -> bool:
    """What a receiver does: the signature matches, and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now.timestamp() - sent) > TOLERANCE.total_seconds():
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)


def emit(event: WebhookEvent, appointment: Appointment) -> None:
    """Inside the caller's transaction: a delivery per active webhook that wants
    ``event``; each is sent once the transaction commits. One query when none listen."""
    listening = [w for w in Webhook.objects.filter(is_active=True) if event.value in w.events]
    if not listening:
        return
    now = timezone.now()
    payload = json.loads(json.dumps(appointment_payload(event, appointment), cls=DjangoJSONEncoder))
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=webhook, event=event, payload=payload, created_at=now)
        for webhook in listening
    )
    ids = [delivery.pk for delivery in deliveries]

    def enqueue() -> None:
        for delivery_id in ids:
            deliver_webhook.enqueue(delivery_id=delivery_id)

    transaction.on_commit(enqueue)


def _post(webhook: Webhook, body: bytes, now: dt.datetime) -> tuple[int | None, str]:
    timestamp = int(now.timestamp())
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": f"{settings.CLINIC_NAME} webhooks",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(webhook.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, OSError) as error:
        return None, str(getattr(error, "reason", error))[:300]


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next attempt, after ``attempts`` failed ones: doubling."""
    return dt.timedelta(seconds=settings.CLINIC_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempts - 1))


@task
def deliver_webhook(*, delivery_id: int) -> str:
    delivery = (
        WebhookDelivery.objects.select_related("webhook")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .first()
    )
    if delivery is None:
        return "skipped"
    body = json.dumps(delivery.payload, sort_keys=True).encode()
    started = time.monotonic()
    now = timezone.now()
    status, error = _post(delivery.webhook, body, now)
    took = int((time.monotonic() - started) * 1000)
    delivered = status is not None and 200 <= status < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, at=now, response_status=status, error=error, duration_ms=took
        )
        delivery.attempts += 1
        if delivered:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
        elif delivery.attempts >= settings.CLINIC_WEBHOOK_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        delivery.save(update_fields=["attempts", "status", "next_attempt_at"])
    if delivery.next_attempt_at is not None:
        deliver_webhook.using(
            run_after=delivery.next_attempt_at, backend=settings.DEFERRED_TASK_BACKEND
        ).enqueue(delivery_id=delivery.pk)
        return f"retry {delivery.attempts}"
    return delivery.status
