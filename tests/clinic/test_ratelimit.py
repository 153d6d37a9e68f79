import datetime as dt

import pytest

from clinic import ratelimit
from clinic.models import RateLimitHit
from tests.factories import NOW

pytestmark = pytest.mark.django_db


def test_a_short_window_keeps_the_hits_a_longer_one_counts():
    """A staff sign-in check (15 minutes) must not clear the portal's hour of hits."""
    portal = {ratelimit.key("portal", "alice@example.com"): 2}
    ratelimit.record(portal, now=NOW - dt.timedelta(minutes=30))
    ratelimit.record(portal, now=NOW - dt.timedelta(minutes=20))

    ratelimit.over_limit(
        {ratelimit.key("login", "rita"): 5}, now=NOW, window=ratelimit.LOGIN_WINDOW
    )

    assert not ratelimit.allow(portal, now=NOW, window=dt.timedelta(hours=1))


def test_it_clears_hits_older_than_any_window():
    ratelimit.record([ratelimit.key("portal", "old")], now=NOW - dt.timedelta(days=2))
    ratelimit.record([ratelimit.key("portal", "new")], now=NOW - dt.timedelta(hours=2))

    ratelimit.over_limit({ratelimit.key("login", "rita"): 5}, now=NOW, window=dt.timedelta(1))

    assert RateLimitHit.objects.count() == 1
