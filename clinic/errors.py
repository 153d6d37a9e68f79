"""The clinic's own error pages: 400, 403, 404, 500, and 503 when the database is down,
and the page for a form refused by the CSRF check.

They render from the template alone, with no request context: nothing on them may need the
database (the session, the signed-in user, messages), since the database may be why they
are shown. No inline script or style, so the CSP holds. In the staff area (/staff/, the
admin) a 403 and a refused form are pages in the staff layout saying what to do.
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
STAFF_AREA = ("/staff/", "/admin/")
STAFF_PAGES = {
    "forbidden": (
        "You don't have access to this page",
        "Your role does not include this page. If you need it for your work, ask the "
        "clinic manager.",
    ),
    "csrf": (
        "This form has expired",
        "For your safety, a form is accepted only for a while after it was shown, from the "
        "page that showed it. Nothing was saved. Reload the page and send it again; if you "
        "were away for a while, sign in again first.",
    ),
}
PUBLIC_CSRF = (
    "This form has expired",
    "Nothing was sent. Please go back, reload the page and fill it in again.",
)


def error_page(status: int, *, title: str = "", message: str = "") -> HttpResponse:
    title, message = title or PAGES[status][0], message or PAGES[status][1]
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


def in_staff_area(request: HttpRequest) -> bool:
    return request.path_info.startswith(STAFF_AREA)


def staff_error_page(page: str, *, request: HttpRequest | None = None) -> HttpResponse:
    """The staff layout; with `request`, with the signed-in member's menu (a 403 comes
    after the access check has read the user and their permissions), without, the layout
    alone, reading nothing."""
    title, message = STAFF_PAGES[page]
    context = {"title": title, "message": message, "page": page, "status": 403}
    context["CLINIC_NAME"] = settings.CLINIC_NAME
    html = render_to_string("errors/staff_error.html", context, request=request)
    return HttpResponse(html, status=403)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:  # noqa: ARG001
    if in_staff_area(request):
        return staff_error_page("forbidden", request=request)
    return error_page(403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:  # noqa: ARG001
    """CSRF_FAILURE_VIEW. Django has logged the reason (django.security.csrf); the visitor
    needs only what to do. Reads nothing: a sign-in form can fail before any session."""
    if in_staff_area(request):
        return staff_error_page("csrf")
    title, message = PUBLIC_CSRF
    return error_page(403, title=title, message=message)


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
