"""Every limit holds under a burst, with real threads on PostgreSQL: 30 simultaneous
attempts against a limit of 10 let exactly 10 through, round after round. Before the
count and the new hit were one locked step, such bursts let 13 to 22 through.

These tests commit (``transaction=True``): inside the test's own transaction nothing
would race."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from booking.models import ApiScope
from booking.services.api_keys import api_key_create
from booking.views.portal import sign_in_allowed
from clinic import ratelimit
from clinic.models import RateLimitHit
from tests import factories

THREADS = 30
LIMIT = 10
ROUNDS = 5


def burst(attempt: Callable[[int], bool]) -> int:
    """Run `attempt(n)` in THREADS threads released at once; how many were let through."""
    barrier = threading.Barrier(THREADS, timeout=20)

    def run(n: int) -> bool:
        try:
            barrier.wait()
            return attempt(n)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return sum(pool.map(run, range(THREADS)))


def public(kind: str, *, ip: str, email: str = "", per_ip: int, per_email: int = 0) -> bool:
    return ratelimit.public_write_allowed(
        kind, ip=ip, email=email, per_ip=per_ip, per_email=per_email, now=timezone.now()
    )


# Each kind of public write, from one address (limited per address) or from many
# addresses for one email (limited per email); the other limit is out of reach.
PUBLIC = {
    "holds per address": lambda r, n: public("hold", ip=f"203.0.113.{r}", per_ip=LIMIT),
    "bookings per address": lambda r, n: public(
        "booking", ip=f"203.0.113.{r}", email=f"p{n}@example.com", per_ip=LIMIT, per_email=99
    ),
    "bookings per email": lambda r, n: public(
        "booking", ip=f"10.{r}.0.{n}", email=f"dana{r}@example.com", per_ip=99, per_email=LIMIT
    ),
    "waitlist per address": lambda r, n: public(
        "waitlist", ip=f"203.0.113.{r}", email=f"p{n}@example.com", per_ip=LIMIT, per_email=99
    ),
    "waitlist per email": lambda r, n: public(
        "waitlist", ip=f"10.{r}.0.{n}", email=f"dana{r}@example.com", per_ip=99, per_email=LIMIT
    ),
    "portal sign-in per address": lambda r, n: sign_in_allowed(
        email=f"p{n}@example.com", ip=f"203.0.113.{r}", now=timezone.now()
    ),
    "portal sign-in per email": lambda r, n: sign_in_allowed(
        email=f"dana{r}@example.com", ip=f"10.{r}.0.{n}", now=timezone.now()
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", PUBLIC)
def test_a_burst_of_public_writes_gets_exactly_the_limit(kind, settings):
    settings.CLINIC_SIGN_IN_PER_IP = settings.CLINIC_SIGN_IN_PER_EMAIL = LIMIT
    for r in range(ROUNDS):
        assert burst(lambda n, r=r: PUBLIC[kind](r, n)) == LIMIT, f"round {r}"
    assert RateLimitHit.objects.count() in {ROUNDS * LIMIT, 2 * ROUNDS * LIMIT}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("account", ["robin", "unknown"])
def test_a_burst_of_wrong_passwords_checks_only_the_limit(account, settings):
    """Counted before the password is checked: 30 guesses at once, 10 are checked and
    refused as wrong, 20 are refused unchecked. One account from one address, or
    usernames that do not exist from one address."""
    settings.CLINIC_LOGIN_FAILURES_PER_USER = settings.CLINIC_LOGIN_FAILURES_PER_IP = LIMIT
    factories.staff(username="robin", password="the-right-one-2026")
    url = reverse("login")
    for r in range(ROUNDS):
        answers: list[str] = []

        def guess(n: int, r: int = r, answers: list[str] = answers) -> bool:
            username = "robin" if account == "robin" else f"nobody{n}"
            response = Client(REMOTE_ADDR=f"203.0.113.{r}").post(
                url, {"username": username, "password": f"guess-{n}"}
            )
            answers.append(response.text)
            return "Too many failed sign-ins" not in response.text

        assert burst(guess) == LIMIT, f"round {r}"
        assert sum("correct username and password" in a for a in answers) == LIMIT


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_api_requests_gets_exactly_the_limit(settings):
    settings.CLINIC_API_PER_MINUTE = LIMIT
    for r in range(ROUNDS):
        _, key = api_key_create(
            name=f"Widget {r}", scopes=[ApiScope.APPOINTMENTS_READ], created_by=None
        )

        def call(_n: int, key: str = key) -> bool:
            response = Client().get(
                "/api/v1/appointments/NOSUCH", headers={"authorization": f"Bearer {key}"}
            )
            assert response.status_code in {404, 429}
            return response.status_code != 429

        assert burst(call) == LIMIT, f"round {r}"
