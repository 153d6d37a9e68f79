"""The API's one NinjaAPI: routes, error shapes, the schema and its docs page (served
from the package's own static files, no CDN), and the log of every use of a key."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Swagger

from booking.api.auth import schema_readers
from booking.api.endpoints import router
from booking.services.api_keys import api_key_use_record
from booking.services.placement import BookingError

# A booking the diary refused because of other bookings; anything else is bad input.
CONFLICTS = {"taken", "busy", "changed", "patient", "cap", "course_cap"}

api = NinjaAPI(
    title="Clinic API",
    version="1",
    description="Availability, bookings, appointments and patients' contact details. "
    "Send `Authorization: Bearer <key>`; keys and their scopes are made by the clinic "
    "manager in the admin. This schema and the docs page need a live key or a staff "
    "sign-in.",
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_decorator=schema_readers,
)
api.add_router("/", router)


@api.exception_handler(BookingError)
def booking_refused(request: HttpRequest, error: BookingError) -> HttpResponse:
    body = {
        "detail": error.message,
        "code": error.code,
        "alternatives": [
            {"start": a.start, "end": a.end, "practitioner_id": a.practitioner_id}
            for a in error.alternatives
        ],
    }
    return api.create_response(request, body, status=409 if error.code in CONFLICTS else 422)


def _logged(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Record every request made with a known key, whatever its answer."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        key = getattr(request, "api_key", None)
        if key is not None:
            api_key_use_record(
                key=key,
                method=request.method or "",
                path=request.path,
                status=response.status_code,
                now=timezone.now(),
            )
        return response

    return wrapped


def urls() -> tuple[list, str, str]:
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        assert pattern.callback is not None
        pattern.callback = _logged(pattern.callback)
    return patterns, app_name, namespace
