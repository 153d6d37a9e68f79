"""The demo runs on SQLite: the limiter's one statement runs there too, and a burst of
threads still gets exactly the limit (IMMEDIATE transactions let one writer in at a
time). Run in a child process with its own SQLite file, as bin/run would."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BURST = """
import datetime as dt, threading
from concurrent.futures import ThreadPoolExecutor
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from clinic import ratelimit
from clinic.models import RateLimitHit

call_command("migrate", verbosity=0)
RateLimitHit.objects.create(key="old", created_at=timezone.now() - dt.timedelta(days=2))

def burst(r):
    barrier = threading.Barrier(30)
    def attempt(n):
        try:
            barrier.wait()
            return ratelimit.public_write_allowed(
                "hold", ip=f"203.0.113.{r}", email=f"p{n}@example.com",
                per_ip=10, per_email=5, now=timezone.now(),
            )
        finally:
            connection.close()
    with ThreadPoolExecutor(30) as pool:
        return sum(pool.map(attempt, range(30)))

print([burst(r) for r in range(3)], RateLimitHit.objects.filter(key="old").count())
"""


def test_a_burst_on_sqlite_gets_exactly_the_limit(tmp_path: Path):
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DEBUG": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", BURST],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    # Ten through in each of three rounds, and the hit older than a day cleared.
    assert result.stdout.split("\n")[-2] == "[10, 10, 10] 0"
