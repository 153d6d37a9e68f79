"""Every URL pattern the resolver knows, with hostile path, query and form values, as an
anonymous visitor and as each staff role: never a 5xx, and a refused POST saves nothing.

The patterns are walked from the resolver, so a new URL is covered without touching this
file. Django's own admin is left to Django's tests, except its sign-in page.
"""

import re
from collections.abc import Iterator

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from tests.factories import NOW, at, book, signed_in, staff

# Values for the path's parameters. Real ones first, so the page behind them is reached.
HOSTILE_TEXT = ["0", "99999999999999999999999", "x" * 300, "%00", "..%2F..%2Fetc"]
# Hostile form and query values, by the kind of field they are aimed at.
DATES = ["0001-01-01", "9999-12-31", "10000-01-01", "2027-02-30", "x\x00"]
STARTS = ["00010101T0000Z", "99991231T2359Z", "20270111T0900Z", "2027", "\x00"]
NUMBERS = ["99999999999999999999999", "-1", "0", "1.5", "\x00"]
TEXT = ["x" * 5000, "nul\x00byte", "<script>alert(1)</script>", "\u202e\ufeff", ""]
CHOICES = ["bogus", "\x00", "", "on", "x" * 300]
FIELDS = {
    **dict.fromkeys(["date", "earliest_date", "latest_date", "date_of_birth"], DATES),
    "start": STARTS,
    "time": ["25:61", "00:00", "23:59:59.999999", "\x00", ""],
    **dict.fromkeys(["practitioner", "service", "room", "patient", "location"], NUMBERS),
    **dict.fromkeys(
        ["q", "first_name", "last_name", "email", "phone", "typed_name", "reason", "note"], TEXT
    ),
    **dict.fromkeys(["username", "password", "key", "token", "updated_at"], TEXT),
    **dict.fromkeys(["status", "action", "time_of_day", "outcome", "override_hours"], CHOICES),
    "next": ["//evil.example/", "javascript:alert(1)", "\x00", "", "/staff/"],
}
ROUNDS = 5  # every field meets each of its values once

# Where a refused POST must leave no trace. Sessions, rate-limit counts and the access
# log are bookkeeping that a refused request may rightly write.
BOOKKEEPING = {"Session", "RateLimitHit", "PatientAccessLog", "WorkerHeartbeat"}


def patterns(resolvers=None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue
            yield from patterns(entry.url_patterns, route)
        else:
            yield route, entry


PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def paths(route: str, real: dict[str, str]) -> Iterator[str]:
    """The route with its parameters filled: real values, then each hostile value."""
    names = PARAMETER.findall(route)
    if not names:
        yield "/" + route
        return
    fill_real = {name: real.get(name, "x") for _, name in names}
    yield "/" + PARAMETER.sub(lambda m: fill_real[m.group(2)], route)
    for value in HOSTILE_TEXT:
        for _, target in names:
            values = fill_real | {target: value}
            yield "/" + PARAMETER.sub(lambda m, v=values: v[m.group(2)], route)


def forms(rounds: int, baseline: dict[str, str]) -> Iterator[dict[str, str]]:
    """All fields hostile at once; then the dates and times alone, every other field valid,
    so the hostile value gets past the other fields' checks to the code that uses it."""
    for k in range(rounds):
        yield {field: values[k % len(values)] for field, values in FIELDS.items()}
    for k in range(rounds):
        yield baseline | {
            field: values[k % len(values)]
            for field, values in FIELDS.items()
            if values in (DATES, STARTS) or field == "time"
        }


def snapshot() -> tuple[int, ...]:
    """Row counts of every table a request could half-save into, in one query."""
    tables = [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in {"booking", "patients", "clinic", "auth"}
        and model.__name__ not in BOOKKEEPING
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {table})" for table in tables))
        return tuple(cursor.fetchone())


@pytest.fixture
def world(clinic, patient) -> dict[str, str]:
    appointment = book(clinic, patient, at(10))
    return {
        # Path parameters.
        "slug": "about-dry-needling",
        "service_slug": clinic.initial.slug,
        "location_slug": clinic.location.slug,
        "reference": appointment.reference,
        "practitioner_id": str(clinic.alice.pk),
        "pk": str(patient.pk),
        "patient_id": str(patient.pk),
        # Valid form values, the baseline the hostile ones replace.
        "practitioner": str(clinic.alice.pk),
        "service": str(clinic.initial.pk),
        "patient": str(patient.pk),
        "room": str(clinic.rooms[0].pk),
        "first_name": "Dana",
        "last_name": "Visitor",
        "email": "dana@example.com",
        "phone": "07400 123456",
        "typed_name": "Dana Visitor",
        "time_of_day": "any",
    }


def visitor(role: str | None) -> Client:
    # Hostile headers too: a NUL in the User-Agent, an address that is not one.
    client = Client(
        raise_request_exception=False,
        headers={"user-agent": "fuzz\x00agent\r\n"},
        REMOTE_ADDR="not-an-address",
    )
    if role:
        # Both factors, or every staff page would stop at the second one.
        signed_in(client, staff(username=f"fuzz-{role.lower().replace(' ', '-')}", role=role))
    return client


def fuzz(client: Client, route: str, world: dict[str, str], *, deep: bool) -> list[tuple]:
    failures = []
    before = snapshot()
    for n, path in enumerate(paths(route, world)):
        if n and not deep:
            break
        # The real path meets every round of values; the hostile paths, one round each.
        for data in list(forms(ROUNDS if deep and n == 0 else 1, world))[:: 1 if deep else 5]:
            got = client.get(path, data)
            if got.status_code >= 500:
                failures.append(("GET", path, data, got.status_code))
            got = client.post(path, data)
            after = snapshot()
            if got.status_code >= 500:
                failures.append(("POST", path, data, got.status_code))
            elif got.status_code >= 400 and after != before:
                failures.append(("POST saved something and then refused", path, data))
            before = after
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, RECEPTIONIST, PRACTITIONER, MANAGER])
def test_no_url_answers_a_server_error(world, role):
    failures = []
    with time_machine.travel(NOW, tick=False):
        client = visitor(role)  # signed in under the frozen clock, or the session expires
        for route, _ in patterns():
            staff_page = route.startswith("staff/") and route != "staff/login/"
            # Anonymous visitors meet the public pages in depth (staff pages send them to
            # sign in); the manager, who may do everything, the staff pages; the other
            # roles, every staff page with a few rounds.
            deep = (role is None) != staff_page and role in (None, MANAGER)
            if role is None or staff_page:
                failures += fuzz(client, route, world, deep=deep)
    assert not failures, "\n".join(map(repr, failures[:30]))
