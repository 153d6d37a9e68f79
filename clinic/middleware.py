"""Private pages stay private: no copy in the browser's cache, sessions that end when left
alone, and browser features switched off everywhere."""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

# Pages that show a patient's or the clinic's private data, by URL namespace (every page
# in it) or by view name. A new page in these namespaces is private by itself.
# "api": every answer of the JSON API, its errors included.
PRIVATE_NAMESPACES = {
    "staff",
    "patients_staff",
    "patients",
    "admin",
    "two_factor",
    "api",
    "billing_staff",
    "billing_portal",
}
PRIVATE_VIEWS = {
    "login",
    "logout",
    "booking:manage",
    "booking:manage_cancel",
    "booking:manage_reschedule",
    "booking:portal",
    "booking:portal_sign_in",
    "booking:portal_enter",
    "booking:waitlist_claim",
    "booking:details",
    "booking:review",
    "booking:confirmed",
    # Gift vouchers: the buyer's details, a voucher's balance.
    "billing:gift_vouchers",
    "billing:gift_voucher_thanks",
    "billing:voucher_balance",
}
SEEN_KEY = "clinic_seen_at"
SIGNED_IN_KEY = "clinic_signed_in_at"
PORTAL_KEY = "portal_patient"  # booking.views.portal keeps the patient's id here


def is_private(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is None:
        return request.path_info.startswith(("/staff/", "/admin/", "/my/", "/api/"))
    return bool(PRIVATE_NAMESPACES & set(match.namespaces)) or match.view_name in PRIVATE_VIEWS


class PrivatePagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.CLINIC_PERMISSIONS_POLICY)
        if is_private(request):
            # A shared front-desk computer: the back button must not show the last patient.
            add_never_cache_headers(response)
        return response


class SessionLifetimeMiddleware:
    """A signed-in session (staff, or a patient in the portal) ends after
    CLINIC_IDLE_MINUTES without a request, and CLINIC_SESSION_HOURS after signing in,
    whatever the activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if not (request.user.is_authenticated or PORTAL_KEY in session):
            return self.get_response(request)
        now = timezone.now()
        seen = session.get(SEEN_KEY)
        signed_in = session.setdefault(SIGNED_IN_KEY, now.timestamp())
        idle = dt.timedelta(minutes=settings.CLINIC_IDLE_MINUTES)
        lifetime = dt.timedelta(hours=settings.CLINIC_SESSION_HOURS)
        if (seen is not None and now.timestamp() - seen > idle.total_seconds()) or (
            now.timestamp() - signed_in > lifetime.total_seconds()
        ):
            # Flushes the session: staff are signed out, the portal forgets its patient;
            # the page then answers as for anyone else (staff pages: the sign-in page).
            logout(request)
            return self.get_response(request)
        # Written at most once a minute, so most requests do not rewrite the session.
        if seen is None or now.timestamp() - seen >= 60:
            session[SEEN_KEY] = now.timestamp()
        return self.get_response(request)
