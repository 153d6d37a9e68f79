"""A practitioner's photo where the pages show them, or their initials without one."""

from typing import Any

from django import template
from django.urls import reverse

from booking.models import Practitioner, PractitionerPhoto

register = template.Library()


def photo_url(photo: PractitionerPhoto, practitioner: Practitioner) -> str:
    return reverse(
        "booking:practitioner_photo",
        kwargs={"slug": practitioner.slug, "digest": photo.digest, "extension": photo.extension},
    )


@register.inclusion_tag("booking/_avatar.html")
def avatar(practitioner: Practitioner, *, large: bool = False) -> dict[str, Any]:
    """The photo (48 CSS pixels square, or 128 when large), or the initials. The
    practitioner comes from `shown_practitioners`, which read whether there is a photo
    with them: no query here."""
    photo = getattr(practitioner, "photo", None)  # None when there is no photo
    return {
        "practitioner": practitioner,
        "url": photo and photo_url(photo, practitioner),
        "size": 128 if large else 48,
        "classes": "avatar avatar-lg" if large else "avatar",
    }
