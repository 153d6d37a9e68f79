"""The clinic's own error pages: 400, 403, 404, 500, and 503 when the database is down.

They render from the template alone, with no request context: nothing on them may need the
database (the session, the signed-in user, messages), since the database may be why they
are shown. No inline script or style, so the CSP holds.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

PAGES = {
    400: ("Bad request", "We could not understand that request. Please go back and try again."),
    403: ("Not allowed", "You do not have permission to see this page."),
    404: ("Page not found", "There is no page at this address. It may have moved."),
    500: (
        "Something went wrong",
        "Sorry, something went wrong on our side. It has been logged; please try again.",
    ),
    503: (
        "Please try again in a moment",
        "The booking system is briefly unavailable. Nothing you sent has been lost or "
        "half-saved; please try again in a moment.",
    ),
}
RETRY_AFTER_SECONDS = 30


def error_page(status: int) -> HttpResponse:
    title, message = PAGES[status]
    html = render_to_string(
        "errors/error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "CLINIC_NAME": settings.CLINIC_NAME,
            "CLINIC_PHONE": settings.CLINIC_PHONE,
        },
    )
    response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# Django calls these as handler(request, exception=exception): the names are its, and
# the pages deliberately use neither (nothing about the request is echoed back).


def bad_request(_request: HttpRequest, exception: Exception) -> HttpResponse:  # noqa: ARG001
    return error_page(400)


def permission_denied(_request: HttpRequest, exception: Exception) -> HttpResponse:  # noqa: ARG001
    return error_page(403)


def page_not_found(_request: HttpRequest, exception: Exception) -> HttpResponse:  # noqa: ARG001
    return error_page(404)


def server_error(_request: HttpRequest) -> HttpResponse:
    """Called by Django inside its handling of the uncaught exception, which is logged
    (django.request) with its traceback whatever the page says."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # The database is down or dropped the connection: nothing was committed by the
        # failing statement, and trying again shortly is the right advice.
        return error_page(503)
    return error_page(500)
