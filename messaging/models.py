"""Texts sent to patients, the replies they send, and their consent to texts.

A text's content is kept as sent (the desk and the patient's record export show it): it
names a time, a place and a link, never anything clinical.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class TextState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"  # accepted by the provider
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"  # the provider or the network could not deliver it
    NOT_SENT = "not_sent", "Not sent"  # never left: see the reason


class TextMessage(models.Model):
    """One text to one patient. Rows are never deleted; the state moves forward as the
    worker sends it and the provider's delivery receipts arrive."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="text_messages"
    )
    appointment = models.ForeignKey(
        "booking.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="text_messages",
    )
    kind = models.CharField(max_length=30)
    # The number it went to, in E.164, as stored on the patient when it was queued.
    to = models.CharField(max_length=16)
    body = models.TextField(max_length=1600)
    segments = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=10, choices=TextState.choices, default=TextState.QUEUED)
    reason = models.CharField(max_length=200, blank=True)
    # Not before this moment: quiet hours move a text to the morning.
    send_after = models.DateTimeField()
    provider_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    error_code = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="text_patient_idx"),
            models.Index(fields=["to", "-created_at"], name="text_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.get_state_display()})"


class ConsentSource(models.TextChoices):
    INTAKE = "intake", "Intake forms"
    PORTAL = "portal", "Patient portal"
    DESK = "desk", "Front desk"
    REPLY = "reply", "Text reply (STOP or START)"


class TextConsent(models.Model):
    """Each time a patient agreed to texts or withdrew, appended, never changed: the
    latest row is the patient's answer now, the rows before it the history."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="text_consents"
    )
    given = models.BooleanField()
    at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=ConsentSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"], name="text_consent_patient_idx")]

    def __str__(self) -> str:
        return f"{'Agreed to' if self.given else 'Withdrew from'} texts at {self.at:%Y-%m-%d %H:%M}"


class ReplyAction(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed the appointment"
    CANCELLED = "cancelled", "Cancelled the appointment"
    TOO_LATE = "too_late", "Asked to cancel inside the cancellation window"
    STOP = "stop", "Stopped texts"
    START = "start", "Restarted texts"
    FOR_DESK = "for_desk", "For the desk"


class InboundText(models.Model):
    """A text a patient (or an unknown number) sent to the clinic. The provider's message
    id is unique, so a delivery replayed is recognised and acted on once."""

    provider_id = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=32)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_texts",
    )
    appointment = models.ForeignKey(
        "booking.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_texts",
    )
    body = models.TextField(max_length=2000)
    received_at = models.DateTimeField()
    action = models.CharField(max_length=10, choices=ReplyAction.choices)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(
                fields=["-received_at"],
                condition=Q(action="for_desk", handled_at__isnull=True),
                name="inbound_for_desk_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"From {self.from_number} at {self.received_at:%Y-%m-%d %H:%M}"


class MessagingSettings(models.Model):
    """The manager's rules for texts: one row, edited in the admin."""

    texts_to_everyone = models.BooleanField(
        default=False,
        help_text="Text every patient with a mobile number as well as emailing them, not "
        "only those who chose texts. Patients who replied STOP get none.",
    )
    quiet_hours_start = models.TimeField(
        default=dt.time(21, 0),
        help_text="No text is sent from this time in the evening (the patient's local time)…",
    )
    quiet_hours_end = models.TimeField(
        default=dt.time(8, 0),
        help_text="…until this time next morning; texts due at night wait until then.",
    )
    daily_limit = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="At most this many texts to one patient in a day; any more are not sent.",
    )

    class Meta:
        verbose_name = "text settings"
        verbose_name_plural = "text settings"

    def __str__(self) -> str:
        return "Text settings"

    @classmethod
    def load(cls) -> "MessagingSettings":
        row, _ = cls.objects.get_or_create(pk=1)
        return row


class ShortLink(models.Model):
    """A short address for a long link in a text (/t/<code>): it redirects to a path of
    this site until it expires. The code is random, so it says nothing of whom it is for."""

    code = models.CharField(max_length=16, unique=True)
    target = models.CharField(max_length=1000)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(target__startswith="/") & ~Q(target__startswith="//"),
                name="shortlink_target_is_a_path",
            ),
        ]

    def __str__(self) -> str:
        return f"/t/{self.code}"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    TEXT = "text", "Text message"


class MessageTemplate(models.Model):
    """The manager's own wording of one kind of message on one channel, used instead of
    the default file (messaging.catalogue). Deleting it is "reset to default". The body
    holds only text and the kind's placeholders (messaging.templating checks it)."""

    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=150, blank=True)  # emails only
    body = models.TextField(max_length=5000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel"], name="message_template_once"),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "text"]), name="message_template_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.get_channel_display()})"


class EmailState(models.TextChoices):
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailRecord(models.Model):
    """One email to a patient, written when the worker sent it or failed to: its kind,
    address, subject and state, for the desk and the patient's record export. Not its
    body, which holds signed links (the kind's wording says what it said)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="email_records"
    )
    kind = models.CharField(max_length=40)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300)
    state = models.CharField(max_length=10, choices=EmailState.choices, default=EmailState.SENT)
    error = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"], name="email_record_patient_idx")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.get_state_display()})"
