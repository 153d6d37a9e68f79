"""API key authentication: ``Authorization: Bearer <key>``. A missing, unknown or revoked
key gets 401; a key without the operation's scope 403; a key over its rate 429. Every
request made with a known key is logged (``booking.api.site``)."""

import datetime as dt
from typing import override

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthorizationError, HttpError
from ninja.security import HttpBearer

from booking.models import ApiKey, api_key_hash
from clinic import ratelimit

RATE_WINDOW = dt.timedelta(minutes=1)


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
