"""How fast availability and booking are on a busy diary.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/bench_booking.py

DATABASE_URL only names the PostgreSQL server: the script creates its own scratch
database on it, migrates and seeds that, and drops it at the end, so it never reads or
writes real data. It refuses to run if the scratch database already exists.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    # For annotations only: the models are imported once Django is set up.
    from booking.models import Appointment, BookingPolicy, Service
    from booking.scheduling.availability import Slot
    from booking.scheduling.schedule import LoadedSchedule
    from clinic.models import Location
    from patients.models import Patient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH_DB = "clinic_bench"
PRACTITIONERS = 10
ROOMS = 10
APPOINTMENTS = 5_000
DAYS = 60
AVAILABILITY_DAYS = 30
RUNS = 20
PATIENTS = 500
ZONE = ZoneInfo("Europe/London")
# A Monday; the 60 days run across the spring clock change (28 March), as real ones do.
FIRST_DAY = dt.date(2027, 3, 1)
NOW = dt.datetime.combine(FIRST_DAY, dt.time(7), tzinfo=ZONE)
# (weekdays, start, end): a split shift on weekdays, a short Saturday.
SHIFTS = [
    (range(5), dt.time(8), dt.time(13)),
    (range(5), dt.time(14), dt.time(19)),
    ([5], dt.time(9), dt.time(14)),
]


def server_connection(url: str) -> psycopg.Connection:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit("DATABASE_URL must point at a PostgreSQL server (postgres://...).")
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def create_scratch_database(url: str) -> str:
    with server_connection(url) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [SCRATCH_DB]
        ).fetchone()
        if exists:
            sys.exit(
                f"A database called {SCRATCH_DB} already exists on this server. It may be "
                "left from an interrupted run, but this script will not drop what it did "
                f"not create: drop it yourself (DROP DATABASE {SCRATCH_DB}) and run again."
            )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SCRATCH_DB)))
    return urlunsplit(urlsplit(url)._replace(path=f"/{SCRATCH_DB}"))


def drop_scratch_database(url: str) -> None:
    with server_connection(url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SCRATCH_DB))
        )


def setup_django(scratch_url: str) -> None:
    # The settings read the environment when imported, so this must come first.
    os.environ["DATABASE_URL"] = scratch_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    # Whatever a booking may come to send, nothing leaves this machine.
    os.environ["MAILER"] = "locmem"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def seed() -> "tuple[Location, Service, BookingPolicy]":
    from django.contrib.auth import get_user_model

    from booking.models import (
        Appointment,
        AppointmentSource,
        BookingPolicy,
        Practitioner,
        Service,
        WeeklyHours,
    )
    from clinic.models import Location, Room
    from patients.models import Patient

    location = Location.objects.create(
        name="Riverside", slug="riverside", address="1 River Street", time_zone=ZONE.key
    )
    rooms = Room.objects.bulk_create(
        Room(location=location, name=f"Room {n}") for n in range(1, ROOMS + 1)
    )
    initial = Service.objects.create(
        name="Initial assessment",
        slug="initial",
        duration_minutes=60,
        buffer_after_minutes=10,
        price="75.00",
        allows_first_visit=True,
    )
    follow_up = Service.objects.create(
        name="Follow-up",
        slug="follow-up",
        duration_minutes=30,
        buffer_after_minutes=10,
        price="50.00",
    )
    practitioners = []
    for n in range(PRACTITIONERS):
        user = get_user_model().objects.create_user(username=f"practitioner{n}")
        practitioner = Practitioner.objects.create(user=user, slug=f"p{n}", title="Physio")
        practitioner.services.set([initial, follow_up])
        practitioner.locations.add(location)
        practitioners.append(practitioner)
    WeeklyHours.objects.bulk_create(
        WeeklyHours(
            practitioner=p, location=location, weekday=weekday, start_time=start, end_time=end
        )
        for p in practitioners
        for weekdays, start, end in SHIFTS
        for weekday in weekdays
    )
    patients = Patient.objects.bulk_create(
        Patient(
            first_name=f"Patient{n}",
            last_name="Bench",
            email=f"p{n}@example.com",
            phone="+447700900123",
            date_of_birth=dt.date(1980, 1, 1),
        )
        for n in range(PATIENTS)
    )
    policy = BookingPolicy.load()

    # Walk each practitioner's working blocks on the 15-minute grid, booking a session at
    # each step with some probability: non-overlapping per practitioner by construction,
    # then give each session the first room free at its start (never more than ten at
    # once, so one always is).
    rng = random.Random(1)
    sessions = []
    for practitioner in practitioners:
        for offset in range(DAYS):
            day = FIRST_DAY + dt.timedelta(days=offset)
            for weekdays, block_start, block_end in SHIFTS:
                if day.weekday() not in weekdays:
                    continue
                at = dt.datetime.combine(day, block_start, tzinfo=ZONE)
                end_of_block = dt.datetime.combine(day, block_end, tzinfo=ZONE)
                while True:
                    service = initial if rng.random() < 0.25 else follow_up
                    length = dt.timedelta(minutes=service.duration_minutes)
                    if at + length > end_of_block:
                        break
                    if rng.random() < 0.85:
                        sessions.append((at.astimezone(dt.UTC), practitioner, service))
                        held = service.duration_minutes + service.buffer_after_minutes
                        at += dt.timedelta(minutes=-(-held // 15) * 15)
                    else:
                        at += dt.timedelta(minutes=15)
    if len(sessions) < APPOINTMENTS:
        sys.exit(f"Only {len(sessions)} sessions fit; raise the booking probability.")
    sessions = sorted(rng.sample(sessions, APPOINTMENTS), key=lambda s: s[0])

    room_free_at = {room.pk: dt.datetime.min.replace(tzinfo=dt.UTC) for room in rooms}
    appointments = []
    for start, practitioner, service in sessions:
        end = start + dt.timedelta(minutes=service.duration_minutes)
        occupied_until = end + dt.timedelta(minutes=service.buffer_after_minutes)
        room_id = next(pk for pk, free_at in room_free_at.items() if free_at <= start)
        room_free_at[room_id] = occupied_until
        appointments.append(
            Appointment(
                patient=rng.choice(patients),
                practitioner=practitioner,
                service=service,
                location=location,
                room_id=room_id,
                start=start,
                end=end,
                occupied_until=occupied_until,
                source=AppointmentSource.FRONT_DESK,
            )
        )
    Appointment.objects.bulk_create(appointments)
    return location, follow_up, policy


def timed[T](function: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def p95(samples: Sequence[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


# The keys of Results that hold timings.
type Timed = Literal["availability", "load_schedule", "free_slots", "booking"]


class Results(TypedDict):
    bookings_loaded: int
    free_times: int
    # (seconds of each run, queries per run) for each thing timed
    availability: tuple[list[float], int]
    load_schedule: tuple[list[float], None]
    free_slots: tuple[list[float], None]
    booking: tuple[list[float], int]
    booking_sql: list[str]


def measure(location: "Location", follow_up: "Service", policy: "BookingPolicy") -> Results:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from booking.models import Appointment, AppointmentSource
    from booking.scheduling import availability
    from booking.scheduling.rules import booking_rules
    from booking.scheduling.schedule import load_schedule
    from booking.services.booking import appointment_book
    from patients.models import Patient

    first_day = NOW.date()
    last_day = first_day + dt.timedelta(days=AVAILABILITY_DAYS - 1)
    rules = booking_rules(
        service=follow_up, policy=policy, now=NOW, source=AppointmentSource.ONLINE
    )

    def availability_request() -> "tuple[LoadedSchedule, float, dict[dt.datetime, list[Slot]]]":
        loaded = load_schedule(
            service=follow_up, location=location, first_day=first_day, last_day=last_day
        )
        loaded_at = time.perf_counter()
        slots = availability.free_slots(loaded.schedule, rules, first_day, last_day)
        by_start = availability.slots_by_start(slots)
        return loaded, loaded_at, by_start

    availability_request()  # warm up: time zone data, connection, query plans
    with CaptureQueriesContext(connection) as availability_queries:
        availability_request()
    totals, loads, computes = [], [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        loaded, loaded_at, by_start = availability_request()
        finished = time.perf_counter()
        totals.append(finished - started)
        loads.append(loaded_at - started)
        computes.append(finished - loaded_at)

    # Free times from the second week on, three hours apart so no booking takes another's
    # time, for patients assessed before then, so a follow-up confirms.
    starts: list[dt.datetime] = []
    for when in sorted(by_start):
        if when >= NOW + dt.timedelta(days=7) and (
            not starts or when - starts[-1] >= dt.timedelta(hours=3)
        ):
            starts.append(when)
    starts = starts[: RUNS + 1]
    patients = list(
        Patient.objects.filter(
            appointments__service__allows_first_visit=True, appointments__start__lt=starts[0]
        )
        .distinct()
        .order_by("pk")[: RUNS + 1]
    )
    if len(starts) < RUNS + 1 or len(patients) < RUNS + 1:
        sys.exit("Not enough free times or assessed patients to time the bookings.")

    def book(start: dt.datetime, patient: "Patient") -> "Appointment":
        return appointment_book(
            patient=patient,
            service=follow_up,
            location=location,
            start=start,
            practitioner=None,
            source=AppointmentSource.ONLINE,
            now=NOW,
        )

    before = Appointment.objects.count()
    with CaptureQueriesContext(connection) as booking_queries:
        book(starts[0], patients[0])
    bookings = []
    for n, start in enumerate(starts[1:], start=1):
        seconds, _ = timed(partial(book, start, patients[n]))
        bookings.append(seconds)
    assert Appointment.objects.count() == before + RUNS + 1

    return {
        "bookings_loaded": len(loaded.schedule.bookings),
        "free_times": len(by_start),
        "availability": (totals, len(availability_queries)),
        "load_schedule": (loads, None),
        "free_slots": (computes, None),
        "booking": (bookings, len(booking_queries)),
        "booking_sql": [q["sql"] for q in booking_queries.captured_queries],
    }


TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"}


def report(results: Results) -> None:
    from django.db import connection

    server = connection.cursor().connection.info.server_version
    print()
    print(
        f"{PRACTITIONERS} practitioners, {ROOMS} rooms, {APPOINTMENTS:,} appointments over "
        f"{DAYS} days; PostgreSQL {server // 10000}.{server % 100}, Python "
        f"{sys.version.split()[0]}; {RUNS} runs each"
    )
    print(
        f"{AVAILABILITY_DAYS}-day availability window: {results['bookings_loaded']:,} "
        f"appointments loaded, {results['free_times']:,} free start times for any practitioner"
    )
    print()
    rows: list[tuple[str, Timed]] = [
        (f"{AVAILABILITY_DAYS}-day availability, any practitioner", "availability"),
        ("  of which load_schedule (SQL)", "load_schedule"),
        ("  of which free_slots (Python)", "free_slots"),
        ("appointment_book, any practitioner", "booking"),
    ]
    print(f"{'':44}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
    for label, key in rows:
        samples, queries = results[key]
        count = "" if queries is None else str(queries)
        print(f"{label:44}{ms(statistics.median(samples)):>10}{ms(p95(samples)):>10}{count:>9}")
    control = [q for q in results["booking_sql"] if q.split()[0] in TRANSACTION_CONTROL]
    print(
        f"\nQueries: every statement sent (CaptureQueriesContext). The booking's "
        f"{results['booking'][1]} include\n{len(control)} of transaction control "
        "(BEGIN, COMMIT, savepoints around full_clean's checks)."
    )
    if os.environ.get("BENCH_SHOW_SQL"):
        print("\nThe booking's queries:")
        for statement in results["booking_sql"]:
            print("  ", statement[:150])


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    scratch_url = create_scratch_database(url)
    try:
        setup_django(scratch_url)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        seconds, seeded = timed(seed)
        print(f"Seeded {APPOINTMENTS:,} appointments in {seconds:.1f} s")
        results = measure(*seeded)
        report(results)
        connections.close_all()
    finally:
        drop_scratch_database(url)


if __name__ == "__main__":
    main()
