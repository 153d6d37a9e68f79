"""Clinic-wide models: where the clinic works, and the public content staff edit."""

import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from clinic import recovery


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("%(value)s is not an IANA time zone.", params={"value": value})


class Location(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    address = models.TextField(help_text="As patients should read it, one line per line.")
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        validators=[validate_time_zone],
        help_text="IANA name, for example Europe/London. Times are shown in this zone.",
    )
    is_active = models.BooleanField(default=True, help_text="Inactive locations take no bookings.")
    directions = models.TextField(
        blank=True,
        help_text="How to get there: entrance, parking, public transport. Shown to patients.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def map_url(self) -> str:
        """The address on OpenStreetMap: a plain link, no embedded map, nothing loaded."""
        lines = [line.strip() for line in self.address.splitlines() if line.strip()]
        return "https://www.openstreetmap.org/search?" + urlencode({"query": ", ".join(lines)})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=60)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"], name="room_unique_name_per_location"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


class Page(models.Model):
    """A public page made of sections, edited by staff in the admin."""

    slug = models.SlugField(
        unique=True, help_text="home and about-dry-needling are linked from the menu."
    )
    title = models.CharField(max_length=120)
    lead = models.TextField(blank=True, help_text="The opening paragraph, shown larger.")
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.slug == "home":
            return reverse("home")
        return reverse("page", args=[self.slug])


class PageSection(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(default=0)
    heading = models.CharField(max_length=120)
    body = models.TextField(help_text="Plain text; a blank line starts a new paragraph.")

    class Meta:
        ordering = ["page", "order", "id"]

    def __str__(self) -> str:
        return self.heading


class RateLimitHit(models.Model):
    """One counted attempt (a portal sign-in request, a failed staff login).

    A table rather than a cache: every process and worker sees the same counts without a
    cache server. ``key`` is a hash of what is limited, never an address or a username.
    """

    key = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["key", "created_at"], name="rate_limit_hit_idx"),
            # Every check clears a batch of the oldest hits: found by age, not by a scan.
            models.Index(fields=["created_at"], name="rate_limit_hit_age_idx"),
        ]

    def __str__(self) -> str:
        return f"Attempt at {self.created_at:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """When each task worker (`manage.py task_worker`) last said it was alive; /healthz
    reports the latest, so a stopped worker (no emails, no reminders) is noticed."""

    worker_id = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.seen_at:%Y-%m-%d %H:%M:%S}"


class RecoveryCodes(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's one-time recovery codes, as a django-otp device: the sign-in, its
    throttle and a reset treat them like the authenticator app. Unlike django-otp's
    StaticDevice, only a salted hash of each code is kept (clinic.recovery)."""

    class Meta:
        verbose_name = "recovery codes"
        verbose_name_plural = "recovery codes"

    def get_throttle_factor(self) -> int:
        return settings.CLINIC_RECOVERY_THROTTLE_FACTOR

    def verify_token(self, token: str) -> bool:
        """Whether the code is one of the unused ones; a match is used up at once, under a
        lock, so two sign-ins racing with one code cannot both pass."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        with transaction.atomic():
            stored = self.codes.select_for_update().values_list("pk", "salt", "digest")
            used = recovery.matching(token, stored)
            if used is None:
                self.throttle_increment()
                return False
            self.codes.filter(pk=used).delete()
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        return True


class RecoveryCode(models.Model):
    """One unused recovery code, as HMAC-SHA256 under its own salt; deleted once used."""

    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)

    class Meta:
        # No role may be given a permission on the codes: only the sign-in reads them.
        default_permissions = ()

    def __str__(self) -> str:
        return "Recovery code"
