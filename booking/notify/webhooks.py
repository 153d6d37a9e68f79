"""Webhooks: appointment events for the clinic's other tools (Saleor's pattern: events as
an enum, payloads built here and nowhere else, every attempt stored, retried by a task).

A change writes one ``WebhookDelivery`` per subscribed webhook inside its own transaction
(so a rolled-back change sends nothing), and enqueues the delivery once it commits. The
worker POSTs the JSON with two headers:

    X-Clinic-Timestamp: <unix seconds>
    X-Clinic-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>

A receiver recomputes the signature with the shared secret and refuses old timestamps
(``verify``). A failure (no answer, or not 2xx, redirects included: none is followed) is
retried after ``CLINIC_WEBHOOK_BACKOFF_SECONDS``, doubling, up to
``CLINIC_WEBHOOK_ATTEMPTS`` attempts; a destination refused by ``clinic.outbound`` (not
a public address) fails at once. Every failure is caught, so a delivery always ends
delivered, due again or failed. The delivery log keeps a short generic error; the
details go to the server log only, so the log cannot be used to probe what answers where.
Payloads carry ids, times and statuses: no names, nothing clinical.
"""

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import ssl
import time
from typing import NamedTuple

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
from clinic import outbound

SIGNATURE_HEADER = "X-Clinic-Signature"
TIMESTAMP_HEADER = "X-Clinic-Timestamp"
# How old a delivery's timestamp a receiver should still accept.
TOLERANCE = dt.timedelta(minutes=5)

logger = logging.getLogger(__name__)


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


class Outcome(NamedTuple):
    status: int | None  # the receiver's HTTP status, if it answered in HTTP
    error: str  # for the delivery log: short and generic
    retry: bool = True


# What the delivery log says of each failure; the first class that matches wins (a
# closed connection is both a reset and a bad status line, a TLS timeout both).
FAILURES: list[tuple[type[BaseException], str]] = [
    (outbound.AddressRefused, "refused: address not allowed"),
    (TimeoutError, "timed out"),
    (ssl.SSLError, "secure connection failed"),
    (http.client.RemoteDisconnected, "connection closed without an answer"),
    (ConnectionResetError, "connection closed without an answer"),
    (http.client.HTTPException, "not an HTTP answer"),
    (OSError, "could not connect"),
    (UnicodeError, "could not connect"),
]


def _post(webhook: Webhook, body: bytes, now: dt.datetime) -> Outcome:
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.CLINIC_NAME} webhooks",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(webhook.secret, timestamp, body),
    }
    try:
        status = outbound.post(
            webhook.url, body=body, headers=headers, timeout=settings.CLINIC_WEBHOOK_TIMEOUT_SECONDS
        )
    except Exception as error:  # any failure is one attempt's outcome
        return _failure(webhook, error)
    if 200 <= status < 300:
        return Outcome(status, "")
    if 300 <= status < 400:
        return Outcome(status, f"receiver answered HTTP {status} (redirects are not followed)")
    return Outcome(status, f"receiver answered HTTP {status}")


def _failure(webhook: Webhook, error: Exception) -> Outcome:
    summary = next((text for kind, text in FAILURES if isinstance(error, kind)), None)
    if summary is None:
        logger.exception("Webhook %s: delivery failed", webhook.pk)
        return Outcome(None, "delivery failed")
    logger.warning("Webhook %s: %s (%r)", webhook.pk, summary, error)
    # A refused destination stays refused however often it is tried: the manager must
    # change the URL (or the operator open the network).
    return Outcome(None, summary, retry=not isinstance(error, outbound.AddressRefused))


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
    outcome = _post(delivery.webhook, body, now)
    took = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            at=now,
            response_status=outcome.status,
            error=outcome.error,
            duration_ms=took,
        )
        delivery.attempts += 1
        if not outcome.error:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
        elif not outcome.retry or delivery.attempts >= settings.CLINIC_WEBHOOK_ATTEMPTS:
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
