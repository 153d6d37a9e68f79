"""Webhooks: the manager's receivers of appointment events, and every delivery attempt."""

import secrets

from django.db import models

from clinic.outbound import validate_outbound_url


class WebhookEvent(models.TextChoices):
    APPOINTMENT_CREATED = "appointment.created", "Appointment created"
    APPOINTMENT_CHANGED = "appointment.changed", "Appointment changed (moved or status)"
    APPOINTMENT_CANCELLED = "appointment.cancelled", "Appointment cancelled"
    APPOINTMENT_COMPLETED = "appointment.completed", "Appointment completed"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    """A URL the clinic's other tools listen on. Each delivery is signed with ``secret``
    (HMAC-SHA256 over the timestamp and the body), which the receiver keeps too."""

    name = models.CharField(max_length=100)
    # Public addresses only, checked again at every delivery (clinic/outbound.py).
    url = models.URLField(max_length=500, validators=[validate_outbound_url])
    events = models.JSONField(default=list, help_text="The events sent to this URL.")
    secret = models.CharField(
        max_length=64,
        default=new_webhook_secret,
        help_text="Shared with the receiver, which checks each delivery's signature with it.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (no more retries)"


class WebhookDelivery(models.Model):
    """One event for one webhook, written in the transaction that made the change and
    sent by the task worker after it commits; retried with backoff until delivered or out
    of attempts."""

    webhook = models.ForeignKey(Webhook, on_delete=models.PROTECT, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.response_status or self.error}"
