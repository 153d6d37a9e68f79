"""Private calendar feeds: one secret URL per practitioner, revocable and rotatable."""

import hashlib
import secrets

from django.db import models
from django.db.models import Q

from booking.models.practitioners import Practitioner


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """The practitioner's diary as an iCalendar URL. Only the token's SHA-256 is stored:
    the URL is shown once, when made; a leaked URL is revoked and a new one made."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner"],
                condition=Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_practitioner",
            )
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"Calendar feed of {self.practitioner} ({state})"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)
