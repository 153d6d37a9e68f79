"""How much a rate-limit check costs, and what a burst gets through.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/bench_ratelimit.py

Creates its own scratch database on that server, seeds a day of hits (as a busy API key
and public pages would leave), times single checks, then fires bursts of 30 threads at a
limit of 10, with the limiter and with the check-then-insert it replaced (decision 0081).
"""

import datetime as dt
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scratch import scratch_database  # noqa: E402

SCRATCH_DB = "clinic_bench_ratelimit"
SEEDED_HITS = 100_000
OLD_HITS = 1_000
RUNS = 500
THREADS, LIMIT, ROUNDS = 30, 10, 5
WINDOW = dt.timedelta(hours=1)


def seed(now: dt.datetime) -> None:
    from clinic import ratelimit
    from clinic.models import RateLimitHit

    keys = [ratelimit.key("seed", str(n)) for n in range(1_000)]
    RateLimitHit.objects.bulk_create(
        (
            RateLimitHit(key=keys[n % len(keys)], created_at=now - dt.timedelta(seconds=n % 80_000))
            for n in range(SEEDED_HITS)
        ),
        batch_size=5_000,
    )
    RateLimitHit.objects.bulk_create(
        RateLimitHit(key=keys[0], created_at=now - dt.timedelta(days=2)) for _ in range(OLD_HITS)
    )


def timed(check: Callable[[int], object]) -> tuple[float, float]:
    took = []
    for n in range(RUNS):
        began = time.perf_counter()
        check(n)
        took.append((time.perf_counter() - began) * 1000)
    return statistics.median(took), statistics.quantiles(took, n=20)[18]


def locked_allow(limits: dict[str, int], now: dt.datetime, _n: int = 0) -> bool:
    from clinic import ratelimit

    return ratelimit.allow(limits, now=now, window=WINDOW)


def unlocked_allow(limits: dict[str, int], now: dt.datetime, _n: int = 0) -> bool:
    """The check it replaced: count, then insert, without a lock (three statements)."""
    from django.db.models import Count, Q

    from clinic.models import RateLimitHit

    RateLimitHit.objects.filter(created_at__lt=now - dt.timedelta(days=1)).delete()
    counts = RateLimitHit.objects.filter(key__in=limits, created_at__gte=now - WINDOW).aggregate(
        **{f"k{n}": Count("pk", filter=Q(key=k)) for n, k in enumerate(limits)}
    )
    if any(counts[f"k{n}"] >= limit for n, limit in enumerate(limits.values())):
        return False
    RateLimitHit.objects.bulk_create([RateLimitHit(key=k, created_at=now) for k in limits])
    return True


def burst(allow: Callable[[dict[str, int], dt.datetime], bool], name: str) -> tuple[int, float]:
    from django.db import connection
    from django.utils import timezone

    from clinic import ratelimit

    limits = {ratelimit.key("burst", name): LIMIT}
    barrier = threading.Barrier(THREADS)

    def attempt(_n: int) -> bool:
        try:
            barrier.wait()
            return allow(limits, timezone.now())
        finally:
            connection.close()

    began = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        through = sum(pool.map(attempt, range(THREADS)))
    return through, (time.perf_counter() - began) * 1000


def main() -> None:
    with scratch_database(SCRATCH_DB):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from clinic import ratelimit

        now = timezone.now()
        seed(now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE clinic_ratelimithit")
        api = {ratelimit.key("api", "1"): 10**9}
        public = {
            ratelimit.key("booking-ip", "x"): 10**9,
            ratelimit.key("booking-email", "y"): 10**9,
        }
        with CaptureQueriesContext(connection) as queries:
            ratelimit.allow(api, now=now, window=dt.timedelta(minutes=1))
        print(f"{SEEDED_HITS:,} hits in the table, {OLD_HITS:,} of them older than a day")
        control = sum(q["sql"] in {"BEGIN", "COMMIT"} for q in queries.captured_queries)
        print(f"statements per check: {len(queries) - control} (and {control} of BEGIN, COMMIT)")
        for name, limits in (("one key (API)", api), ("two keys (booking)", public)):
            median, p95 = timed(partial(locked_allow, limits, now))
            print(f"check, {name}: median {median:.2f} ms, p95 {p95:.2f} ms")
        median, p95 = timed(partial(unlocked_allow, api, now))
        print(f"check-then-insert it replaced, one key: median {median:.2f} ms, p95 {p95:.2f} ms")
        print(f"bursts of {THREADS} threads against a limit of {LIMIT}:")
        for r in range(ROUNDS):
            locked = burst(locked_allow, f"l{r}")
            unlocked = burst(unlocked_allow, f"u{r}")
            print(
                f"  round {r + 1}: limiter {locked[0]} through ({locked[1]:.0f} ms); "
                f"check-then-insert {unlocked[0]} through ({unlocked[1]:.0f} ms)"
            )


if __name__ == "__main__":
    main()
