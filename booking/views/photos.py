"""Practitioners' photos, served from the database: the clinic's web processes share no
disk for uploaded files (decision 0071)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from booking.selectors.team import published_photo

# The digest in the address changes with the photo, so a browser may keep it for a year.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def practitioner_photo(
    _request: HttpRequest, slug: str, digest: str, extension: str
) -> HttpResponse:
    photo = published_photo(slug=slug, digest=digest)
    if photo is None or photo.extension != extension:
        raise Http404("No such photo.")
    response = HttpResponse(bytes(photo.image), content_type=photo.content_type)
    response["Cache-Control"] = CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response
