"""Keys for the JSON API: made by the manager in the admin, with scopes, stored hashed,
revocable; every use is logged."""

import hashlib
import secrets

from django.conf import settings
from django.db import models


class ApiScope(models.TextChoices):
    AVAILABILITY_READ = "availability:read", "Read availability"
    BOOKINGS_WRITE = "bookings:write", "Create and change bookings"
    APPOINTMENTS_READ = "appointments:read", "Read appointments"
    PATIENTS_READ = "patients:read", "Read patients' contact details"


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKey(models.Model):
    """Only the key's SHA-256 is stored; the key is shown once, when the manager saves a
    new one. ``prefix`` (its first characters) lets staff tell keys apart in logs."""

    name = models.CharField(max_length=100, help_text="What uses it, e.g. Website widget.")
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, help_text="What the key may do.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "ck_" + secrets.token_urlsafe(32)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class ApiKeyUse(models.Model):
    """One row per request made with a key, whatever its answer."""

    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="uses")
    at = models.DateTimeField()
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = "API key use"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["key", "at"], name="api_key_use_key_at_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"
