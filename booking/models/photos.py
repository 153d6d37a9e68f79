"""A practitioner's published photo, kept in the database (decision 0071)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from booking.models.practitioners import Practitioner


class PhotoType(models.TextChoices):
    WEBP = "image/webp", "WebP"
    JPEG = "image/jpeg", "JPEG"


PHOTO_EXTENSIONS = {PhotoType.WEBP: "webp", PhotoType.JPEG: "jpg"}


class PractitionerPhoto(models.Model):
    """The cleaned image itself, not a file on disk: the clinic's web processes share no
    disk, and whitenoise serves only static files. A table of its own, so the bytes never
    travel with the practitioner rows that every booking page reads (and caches)."""

    practitioner = models.OneToOneField(
        Practitioner, on_delete=models.CASCADE, primary_key=True, related_name="photo"
    )
    image = models.BinaryField(editable=False)
    content_type = models.CharField(max_length=20, choices=PhotoType.choices, editable=False)
    # The start of the image's SHA-256: in the photo's URL, so a new photo has a new URL
    # and the old one may be cached for ever.
    digest = models.CharField(max_length=16, editable=False)
    # Who confirmed that the practitioner agreed to their photo being published, and when.
    consent_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    consent_confirmed_at = models.DateTimeField(editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=PhotoType.values),
                name="practitioner_photo_known_type",
            ),
            models.CheckConstraint(
                condition=Q(digest__regex=r"^[0-9a-f]{16}$"),
                name="practitioner_photo_digest_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"Photo of {self.practitioner}"

    def get_absolute_url(self) -> str:
        """Read with its practitioner (`select_related`), this asks for nothing more."""
        return reverse(
            "booking:practitioner_photo",
            kwargs={
                "slug": self.practitioner.slug,
                "digest": self.digest,
                "extension": self.extension,
            },
        )

    @property
    def extension(self) -> str:
        return PHOTO_EXTENSIONS[PhotoType(self.content_type)]
