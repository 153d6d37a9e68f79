"""Making and revoking practitioners' calendar feed URLs."""

import datetime as dt

from django.db import transaction

from booking.models import CalendarFeed, Practitioner, feed_token_hash


def feed_create(*, practitioner: Practitioner, now: dt.datetime) -> tuple[CalendarFeed, str]:
    """A new feed URL token for the practitioner; any live one is revoked (rotation).
    The token is returned once and never stored."""
    with transaction.atomic():
        Practitioner.objects.select_for_update().filter(pk=practitioner.pk).first()
        CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).update(
            revoked_at=now
        )
        token = CalendarFeed.new_token()
        feed = CalendarFeed(practitioner=practitioner, token_hash=feed_token_hash(token))
        feed.full_clean(exclude={"practitioner"})
        feed.save()
    return feed, token


def feed_revoke(*, practitioner: Practitioner, now: dt.datetime) -> int:
    """Revoke the practitioner's live feed; its URL answers 404 from now on."""
    return CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).update(
        revoked_at=now
    )
