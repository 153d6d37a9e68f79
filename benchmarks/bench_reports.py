"""How fast the manager's reports are on a year of a busy clinic: 100,000 appointments.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/bench_reports.py

Like bench_booking.py, it creates, seeds and drops its own scratch database.
"""

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

import bench_booking as base  # noqa: E402  (after the path is set)

# Its own scratch database, so it can run beside bench_booking.py.
base.SCRATCH_DB = "clinic_bench_reports"
PRACTITIONERS = 20
APPOINTMENTS = 100_000
PATIENTS = 5_000
FIRST_DAY = dt.date(2027, 1, 4)  # a Monday; the year crosses both clock changes
DAYS = 365
RUNS = 10
# Every 45 minutes from 08:00 to 18:30, every day: 14 sessions per practitioner per day.
STARTS = [dt.time(8 + (45 * n) // 60, (45 * n) % 60) for n in range(14)]


def seed() -> object:
    from django.contrib.auth import get_user_model

    from booking.models import (
        REFERENCE_ALPHABET,
        Appointment,
        AppointmentSource,
        AppointmentStatus,
        Practitioner,
        Service,
        WaitlistEntry,
        WeeklyHours,
    )
    from clinic.models import Location, Room
    from patients.models import Patient

    zone = base.ZONE
    location = Location.objects.create(
        name="Riverside", slug="riverside", address="1 River Street", time_zone=zone.key
    )
    rooms = Room.objects.bulk_create(
        Room(location=location, name=f"Room {n}") for n in range(1, PRACTITIONERS + 1)
    )
    service = Service.objects.create(
        name="Follow-up", slug="follow-up", duration_minutes=30, price="50.00"
    )
    practitioners = []
    for n in range(PRACTITIONERS):
        user = get_user_model().objects.create_user(username=f"practitioner{n}")
        practitioner = Practitioner.objects.create(user=user, slug=f"p{n}", title="Physio")
        practitioner.locations.add(location)
        practitioners.append(practitioner)
    WeeklyHours.objects.bulk_create(
        WeeklyHours(
            practitioner=p,
            location=location,
            weekday=weekday,
            start_time=dt.time(8),
            end_time=dt.time(19),
        )
        for p in practitioners
        for weekday in range(7)
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
    rng = random.Random(1)
    statuses = [
        (AppointmentStatus.COMPLETED, 0.8),
        (AppointmentStatus.NO_SHOW, 0.05),
        (AppointmentStatus.LATE_CANCELLED, 0.05),
        (AppointmentStatus.CANCELLED, 0.1),
    ]
    rows = []
    for offset in range(DAYS):
        day = FIRST_DAY + dt.timedelta(days=offset)
        for practitioner, room in zip(practitioners, rooms, strict=True):
            for wall in STARTS:
                start = dt.datetime.combine(day, wall, tzinfo=zone).astimezone(dt.UTC)
                status = rng.choices([s for s, _ in statuses], [w for _, w in statuses])[0]
                cancelled = status in {
                    AppointmentStatus.CANCELLED,
                    AppointmentStatus.LATE_CANCELLED,
                }
                rows.append(
                    Appointment(
                        patient=rng.choice(patients),
                        practitioner=practitioner,
                        service=service,
                        location=location,
                        room=room,
                        start=start,
                        end=start + dt.timedelta(minutes=30),
                        occupied_until=start + dt.timedelta(minutes=40),
                        status=status,
                        source=AppointmentSource.FRONT_DESK,
                        cancelled_at=start - dt.timedelta(hours=rng.randint(1, 240))
                        if cancelled
                        else None,
                    )
                )
    rows = rng.sample(rows, APPOINTMENTS)
    # Random references would collide at this scale (about 6 in 100,000): number them.
    for n, row in enumerate(rows):
        row.reference = "".join(
            REFERENCE_ALPHABET[(n // len(REFERENCE_ALPHABET) ** k) % len(REFERENCE_ALPHABET)]
            for k in range(6)
        )
    Appointment.objects.bulk_create(rows, batch_size=5_000)
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(
            patient=rng.choice(patients),
            service=service,
            earliest_date=FIRST_DAY,
            latest_date=FIRST_DAY + dt.timedelta(days=14),
            source=AppointmentSource.ONLINE,
        )
        for _ in range(1_000)
    )
    return location


def measure(location: object, days: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from booking.scheduling.reports import manager_report

    last = FIRST_DAY + dt.timedelta(days=days - 1)
    samples = []
    queries = 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            manager_report(location=location, first_day=FIRST_DAY, last_day=last)  # type: ignore[arg-type]
            samples.append(time.perf_counter() - started)
        queries = len(captured)
    return samples, queries


def main() -> None:
    import os

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")
    scratch_url = base.create_scratch_database(url)
    try:
        base.setup_django(scratch_url)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        started = time.perf_counter()
        location = seed()
        print(f"Seeded {APPOINTMENTS:,} appointments in {time.perf_counter() - started:.1f} s")
        print(f"{'period':24}{'median ms':>10}{'p95 ms':>10}{'queries':>9}")
        for label, days in (("one month (31 days)", 31), ("one year (365 days)", 365)):
            samples, queries = measure(location, days)
            median = statistics.median(samples) * 1000
            p95 = base.p95(samples) * 1000
            print(f"{label:24}{median:>10.1f}{p95:>10.1f}{queries:>9}")
        connections.close_all()
    finally:
        base.drop_scratch_database(url)


if __name__ == "__main__":
    main()
