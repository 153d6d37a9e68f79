"""A practitioner's photo where the pages show them, or their initials without one."""

from typing import Any

from django import template

from booking.models import Practitioner

register = template.Library()


@register.inclusion_tag("booking/_avatar.html")
def avatar(practitioner: Practitioner, *, large: bool = False) -> dict[str, Any]:
    """The photo (48 CSS pixels square, or 128 when large), or the initials. The
    practitioner comes from `shown_practitioners`, which read whether there is a photo
    with them: no query here."""
    photo = getattr(practitioner, "photo", None)  # None when there is no photo
    return {
        "practitioner": practitioner,
        "url": photo and photo.get_absolute_url(),
        "size": 128 if large else 48,
        "classes": "avatar avatar-lg" if large else "avatar",
    }
