"""API keys: made (shown once), revoked, and every use recorded."""

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from booking.models import ApiKey, ApiKeyUse, ApiScope, api_key_hash

if TYPE_CHECKING:
    from clinic.access import StaffUser


def api_key_create(
    *, name: str, scopes: list[str], created_by: "StaffUser | None"
) -> tuple[ApiKey, str]:
    """A new key with these scopes; the raw key is returned once and never stored."""
    unknown = set(scopes) - set(ApiScope.values)
    if unknown:
        raise ValidationError(f"Unknown scopes: {', '.join(sorted(unknown))}")
    raw = ApiKey.new_key()
    key = ApiKey(
        name=name,
        prefix=raw[:10],
        key_hash=api_key_hash(raw),
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    key.full_clean(exclude={"created_by"})
    key.save()
    return key, raw


def api_key_revoke(*, key: ApiKey, now: dt.datetime) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)


def api_key_use_record(
    *, key: ApiKey, method: str, path: str, status: int, now: dt.datetime
) -> None:
    ApiKeyUse.objects.create(key=key, at=now, method=method, path=path[:300], status=status)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
