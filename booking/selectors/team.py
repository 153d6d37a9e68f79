"""The practitioners as the public pages show them."""

from django.db.models import QuerySet

from booking.models import Practitioner, PractitionerPhoto


def shown_practitioners() -> QuerySet[Practitioner]:
    """Active practitioners with their names and, in the same query, whether they have a
    photo and its address (its digest and type), but never the photo's bytes."""
    return (
        Practitioner.objects.filter(is_active=True)
        .select_related("user", "photo")
        .defer("photo__image")
    )


def published_photo(*, slug: str, digest: str) -> PractitionerPhoto | None:
    """An active practitioner's photo with this digest, bytes included; None for an old
    digest, an inactive practitioner or none at all."""
    return PractitionerPhoto.objects.filter(
        practitioner__slug=slug, practitioner__is_active=True, digest=digest
    ).first()
