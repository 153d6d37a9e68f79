"""API key authentication: ``Authorization: Bearer <key>``. A missing, unknown or revoked
key gets 401; a key without the operation's scope 403; a key over its rate 429. Every
request made with a known key is logged (``booking.api.site``).

The schema and its docs page describe every operation, the patients' contact details
included: they are for the clinic's staff (signed in with both factors, with a role that
sees the calendar) and the holders of a live key, whatever its scopes."""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, override

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja.errors import AuthorizationError, HttpError
from ninja.security import HttpBearer

from booking.models import ApiKey, api_key_hash
from clinic import ratelimit
from clinic.access import staff_required

RATE_WINDOW = dt.timedelta(minutes=1)
SCHEMA_PERMISSION = "booking.view_appointment"  # every role: the front desk's capability


class ScopedKey(HttpBearer):
    """Accepts a live key that holds ``scope``."""

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    @override
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = ApiKey.objects.filter(key_hash=api_key_hash(token), revoked_at__isnull=True).first()
        if key is None:
            return None
        request.api_key = key  # type: ignore[attr-defined]  # read by the use log
        limit = {ratelimit.key("api", str(key.pk)): settings.CLINIC_API_PER_MINUTE}
        if not ratelimit.allow(limit, now=timezone.now(), window=RATE_WINDOW):
            raise HttpError(429, "Too many requests for this key; please slow down.")
        if not key.has_scope(self.scope):
            raise AuthorizationError(message=f"This key lacks the {self.scope} scope.")
        return key


def _unauthorized() -> HttpResponse:
    response = JsonResponse({"detail": "Unauthorized"}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def schema_readers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema and docs for a live key (any scope) or for staff: a visitor without a
    key is sent to the staff sign-in, and an unknown or revoked key gets 401 as on every
    operation."""
    for_staff = staff_required(SCHEMA_PERMISSION)(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return for_staff(request, *args, **kwargs)
        hashed = api_key_hash(token.strip())
        key = ApiKey.objects.filter(key_hash=hashed, revoked_at__isnull=True).first()
        if key is None:
            return _unauthorized()
        request.api_key = key  # type: ignore[attr-defined]  # read by the use log
        return view(request, *args, **kwargs)

    wrapped.required_permissions = frozenset({SCHEMA_PERMISSION})  # type: ignore[attr-defined]
    return wrapped
