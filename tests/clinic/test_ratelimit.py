import datetime as dt

import pytest

from clinic import ratelimit
from clinic.models import RateLimitHit
from tests.factories import NOW

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def hits(key: str, *at: dt.datetime) -> None:
    RateLimitHit.objects.bulk_create(RateLimitHit(key=key, created_at=moment) for moment in at)


def test_a_short_window_keeps_the_hits_a_longer_one_counts():
    """A staff sign-in check (15 minutes) must not clear the portal's hour of hits."""
    portal = ratelimit.key("portal", "alice@example.com")
    hits(portal, NOW - dt.timedelta(minutes=30), NOW - dt.timedelta(minutes=20))

    ratelimit.allow({ratelimit.key("login", "rita"): 5}, now=NOW, window=ratelimit.LOGIN_WINDOW)

    assert not ratelimit.allow({portal: 2}, now=NOW, window=HOUR)


def test_it_clears_hits_older_than_any_window():
    hits(ratelimit.key("portal", "old"), NOW - dt.timedelta(days=2))
    hits(ratelimit.key("portal", "new"), NOW - dt.timedelta(hours=2))

    ratelimit.allow({ratelimit.key("login", "rita"): 5}, now=NOW, window=dt.timedelta(1))

    assert RateLimitHit.objects.count() == 2  # the recent one and the new attempt


def test_it_clears_old_hits_a_batch_at_a_time():
    old = NOW - dt.timedelta(days=2)
    hits(ratelimit.key("portal", "old"), *[old] * (ratelimit.PRUNE_BATCH + 5))

    ratelimit.allow({ratelimit.key("login", "rita"): 5}, now=NOW, window=HOUR)
    assert RateLimitHit.objects.filter(created_at=old).count() == 5
    ratelimit.allow({ratelimit.key("login", "rita"): 5}, now=NOW, window=HOUR)
    assert not RateLimitHit.objects.filter(created_at=old).exists()


def test_it_counts_hits_inside_the_window_only():
    key = ratelimit.key("portal", "alice@example.com")
    hits(key, NOW - dt.timedelta(minutes=61), NOW - dt.timedelta(minutes=59))

    assert ratelimit.allow({key: 2}, now=NOW, window=HOUR)  # one inside, now two
    assert not ratelimit.allow({key: 2}, now=NOW, window=HOUR)


def test_one_key_over_its_limit_refuses_and_counts_nothing():
    address, email = ratelimit.key("ip", "203.0.113.7"), ratelimit.key("email", "a@example.com")
    hits(email, NOW - dt.timedelta(minutes=5))

    assert not ratelimit.allow({address: 5, email: 1}, now=NOW, window=HOUR)

    assert RateLimitHit.objects.filter(key=address).count() == 0
    assert RateLimitHit.objects.filter(key=email).count() == 1


def test_a_released_attempt_no_longer_counts():
    key = ratelimit.key("login-account", "7|203.0.113.7")
    first = ratelimit.reserve({key: 1}, now=NOW, window=HOUR)
    assert first is not None
    assert ratelimit.reserve({key: 1}, now=NOW, window=HOUR) is None

    ratelimit.release(first)

    assert ratelimit.reserve({key: 1}, now=NOW, window=HOUR) is not None


def test_a_check_costs_two_queries_whatever_the_keys(django_assert_num_queries):
    limits = {ratelimit.key("ip", "203.0.113.7"): 10, ratelimit.key("email", "a@x.org"): 5}
    hits(ratelimit.key("portal", "old"), NOW - dt.timedelta(days=2))
    # 1. the advisory locks on both keys, in one statement
    # 2. clear a batch of old hits, count both keys and insert their hits, in one statement
    with django_assert_num_queries(2):
        assert ratelimit.allow(limits, now=NOW, window=HOUR)
    with django_assert_num_queries(2):
        assert ratelimit.allow({ratelimit.key("api", "1"): 10}, now=NOW, window=HOUR)
