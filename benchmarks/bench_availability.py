"""The patient's availability pages, timed side by side with django-appointment 3.12.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        PEER_DIR=/tmp/peer/.peer-django-appointment \
        .venv/bin/python benchmarks/bench_availability.py

The data shape is the peer's (see peer_django_appointment.py): Mon-Fri 09:00-17:00, a
45-minute service, a 15-minute grid, 7 booked 45-minute appointments each weekday at
09:00, 10:00 ... 15:00, for the 30 days from tomorrow (here 37, for the week strips of
the walk's last days); for one practitioner at one
location, and for ten practitioners (ten rooms) at another. Every figure is the median
of RUNS timed walks after one warm-up, through Django's test client like the peer's.

If PEER_DIR holds the peer's set-up (made by the shared setup.sh: ``venv/`` and
``proj/``), the peer is timed in the same run, and its figures printed beside ours.
DATABASE_URL only names the server: the clinic side runs in a scratch database that
is dropped at the end (see scratch.py); the peer uses its own (PEER_DB, default peer_da).
"""

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from benchmarks.scratch import scratch_database  # noqa: E402

if TYPE_CHECKING:
    from django.test import Client

    from clinic.models import Location

SCRATCH_DB = "clinic_bench_availability"
RUNS = int(os.environ.get("RUNS", "7"))
DAYS = 30
TEAM = 10
ZONE = ZoneInfo("Europe/London")


@dataclass
class Figure:
    label: str
    requests: int
    queries: int
    seconds: float


def seed(today: dt.date) -> dict[str, Any]:
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

    service = Service.objects.create(
        name="Dry needling 45",
        slug="needling",
        duration_minutes=45,
        buffer_after_minutes=0,
        price="80.00",
        allows_first_visit=True,
    )
    patient = Patient.objects.create(
        first_name="Pat",
        last_name="Bench",
        email="pat@example.com",
        phone="+447700900123",
        date_of_birth=dt.date(1980, 1, 1),
    )
    BookingPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "min_notice_minutes": 120,
            "horizon_days": DAYS + 1,
            "slot_interval_minutes": 15,
            "cancellation_window_hours": 24,
            "max_upcoming_online": 3,
        },
    )
    days = [today + dt.timedelta(days=n) for n in range(1, DAYS + 1)]
    # Booked a week further than the walk, so every week strip it shows is a booked one,
    # whatever the horizon.
    booked = [today + dt.timedelta(days=n) for n in range(1, DAYS + 8)]
    shapes: dict[str, Any] = {"service": service, "days": days}
    for slug, size in (("solo", 1), ("team", TEAM)):
        location = Location.objects.create(
            name=slug.title(), slug=slug, address="1 River Street", time_zone=ZONE.key
        )
        rooms = Room.objects.bulk_create(
            Room(location=location, name=f"Room {n}") for n in range(1, size + 1)
        )
        team = []
        for n in range(size):
            user = get_user_model().objects.create_user(username=f"{slug}{n}")
            practitioner = Practitioner.objects.create(user=user, slug=f"{slug}{n}", title="Physio")
            practitioner.services.add(service)
            practitioner.locations.add(location)
            team.append(practitioner)
        WeeklyHours.objects.bulk_create(
            WeeklyHours(
                practitioner=p,
                location=location,
                weekday=weekday,
                start_time=dt.time(9),
                end_time=dt.time(17),
            )
            for p in team
            for weekday in range(5)
        )
        # One patient per practitioner: a patient is never in two places at once.
        patients = {
            member.pk: Patient.objects.create(
                first_name="Pat",
                last_name=f"Bench {member.pk}",
                email=f"pat{member.pk}@example.com",
                phone=patient.phone,
                date_of_birth=patient.date_of_birth,
            )
            for member in team
        }
        Appointment.objects.bulk_create(
            Appointment(
                patient=patients[p.pk],
                practitioner=p,
                service=service,
                location=location,
                room=room,
                start=(start := dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)),
                end=start + dt.timedelta(minutes=45),
                occupied_until=start + dt.timedelta(minutes=45),
                source=AppointmentSource.FRONT_DESK,
            )
            for p, room in zip(team, rooms, strict=True)
            for day in booked
            if day.weekday() < 5
            for hour in range(9, 16)
        )
        shapes[slug] = (location, team)
    return shapes


def counter(counted: list[int]) -> Callable[..., object]:
    def count(
        execute: Callable[..., object], sql: str, params: object, many: bool, context: object
    ) -> object:
        counted.append(1)
        return execute(sql, params, many, context)

    return count


def timed_runs(run: Callable[[], int]) -> tuple[float, int]:
    """The median of RUNS timed calls after a warm-up, and the queries of one call."""
    from django.db import connection

    run()
    samples, queries = [], 0
    for _ in range(RUNS):
        counted: list[int] = []
        started = time.perf_counter()
        # Counted by a wrapper, as the peer's: every statement sent, health checks aside.
        with connection.execute_wrapper(counter(counted)):
            run()
        samples.append(time.perf_counter() - started)
        queries = len(counted)
    return statistics.median(samples), queries


def walk(client: "Client", url: str, pages: list[dict[str, str]]) -> Callable[[], int]:
    def run() -> int:
        for params in pages:
            response = client.get(url, params)
            if response.status_code != 200:
                sys.exit(f"{url} {params} answered {response.status_code}")
        return len(pages)

    return run


def cold(run: Callable[[], int]) -> Callable[[], int]:
    from django.core.cache import caches

    def emptied_first() -> int:
        caches["schedule"].clear()
        return run()

    return emptied_first


def after_bookings(
    client: "Client", url: str, pages: list[dict[str, str]], location: "Location"
) -> tuple[float, int]:
    """The walk with the location's bookings token renewed before each page (untimed), as
    if someone booked between every two page views: the setup stays cached."""
    from django.db import connection

    from booking.models import bump_schedule_versions

    samples: list[float] = []
    counted: list[int] = []
    for _ in range(RUNS + 1):  # the first is the warm-up
        spent, counted = 0.0, []
        for params in pages:
            bump_schedule_versions(location_ids=[location.pk])
            with connection.execute_wrapper(counter(counted)):
                started = time.perf_counter()
                client.get(url, params)
                spent += time.perf_counter() - started
        samples.append(spent)
    return statistics.median(samples[1:]), len(counted)


def set_horizon(days: int) -> None:
    from booking.models import BookingPolicy

    policy = BookingPolicy.load()
    policy.horizon_days = days
    policy.save()


def walk_figures(
    client: "Client", label: str, url: str, pages: list[dict[str, str]], location: "Location"
) -> list[Figure]:
    """One walk timed cold (the cache emptied before it, so every page reads the database,
    as for the first visitor after a change; decision 0031), cached, and, for day pages,
    with a booking before every page."""
    requests = len(pages)
    figures = []
    for state, run in (
        ("cold", cold(walk(client, url, pages))),
        ("cached", walk(client, url, pages)),
    ):
        seconds, queries = timed_runs(run)
        figures.append(
            Figure(f"{label}, {state} ({requests} requests)", requests, queries, seconds)
        )
    if "date" in pages[0]:
        seconds, queries = after_bookings(client, url, pages, location)
        figures.append(
            Figure(f"{label}, each after a booking ({requests})", requests, queries, seconds)
        )
    return figures


def measure(shapes: dict[str, Any]) -> list[Figure]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from booking.models import AppointmentSource, BookingPolicy
    from booking.scheduling import availability
    from booking.scheduling.rules import booking_rules
    from booking.scheduling.schedule import load_schedule

    service, days = shapes["service"], shapes["days"]
    client = Client()
    months = sorted({day.replace(day=1) for day in days})
    figures = []

    def pages(practitioner: str) -> list[dict[str, str]]:
        return [{"practitioner": practitioner, "date": day.isoformat()} for day in days]

    def month_pages(practitioner: str) -> list[dict[str, str]]:
        return [{"practitioner": practitioner, "month": m.strftime("%Y-%m")} for m in months]

    walks = [
        ("day pages, 1 practitioner", "solo", "0", "times", pages),
        ("day pages, 1 of 10 practitioners", "team", "0", "times", pages),
        ("day pages, any of 10 practitioners", "team", "any", "times", pages),
        ("month view, 1 practitioner", "solo", "0", "month", month_pages),
        ("month view, any of 10 practitioners", "team", "any", "month", month_pages),
    ]
    for label, slug, which, page, params in walks:
        location, team = shapes[slug]
        who = str(team[int(which)].pk) if which.isdigit() else which
        url = reverse(f"booking:{page}", args=[service.slug, location.slug])
        figures += walk_figures(client, label, url, params(who), location)

    # The same walk at horizons of 31 and 365 days, the two asked for each day in turn
    # (the policy changed between, untimed), so both see the machine's same moments.
    # Saving the policy gives the location a new schedule version: every page is cold.
    location, team = shapes["solo"]
    url = reverse("booking:times", args=[service.slug, location.slug])
    horizons = (DAYS + 1, 365)
    walks_by_horizon: dict[int, list[float]] = {h: [] for h in horizons}
    for _ in range(RUNS + 1):  # the first is the warm-up
        spent = dict.fromkeys(horizons, 0.0)
        counted: dict[int, list[int]] = {h: [] for h in horizons}
        for day_params in pages(str(team[0].pk)):
            for horizon in horizons:
                set_horizon(horizon)
                with connection.execute_wrapper(counter(counted[horizon])):
                    started = time.perf_counter()
                    client.get(url, day_params)
                    spent[horizon] += time.perf_counter() - started
        for horizon in horizons:
            walks_by_horizon[horizon].append(spent[horizon])
    set_horizon(DAYS + 1)
    for horizon, samples in walks_by_horizon.items():
        label = f"day pages, 1 practitioner, horizon {horizon} days"
        median = statistics.median(samples[1:])
        figures.append(Figure(label, DAYS, len(counted[horizon]), median))

    policy = BookingPolicy.load()
    for label, slug, chosen in (
        ("engine alone, 30 days, 1 practitioner", "solo", 0),
        ("engine alone, 30 days, any of 10", "team", None),
    ):
        location, team = shapes[slug]
        practitioner_id = None if chosen is None else team[chosen].pk

        def engine(
            location: "Location" = location, practitioner_id: int | None = practitioner_id
        ) -> int:
            now = dt.datetime.now(dt.UTC)
            loaded = load_schedule(
                service=service,
                location=location,
                first_day=days[0],
                last_day=days[-1],
                practitioner_id=practitioner_id,
                now=now,
            )
            rules = booking_rules(
                service=service, policy=policy, now=now, source=AppointmentSource.ONLINE
            )
            slots = availability.free_slots(loaded.schedule, rules, days[0], days[-1])
            return len(availability.slots_by_start(slots))

        seconds, queries = timed_runs(engine)
        figures.append(Figure(label, 0, queries, seconds))
    return figures


def peer_figures() -> dict[str, Figure] | None:
    """The peer's walks, if its set-up is at PEER_DIR; None (and why) if not."""
    peer = Path(os.environ.get("PEER_DIR", ".peer-django-appointment")).resolve()
    python, project = peer / "venv" / "bin" / "python", peer / "proj"
    if not (python.exists() and (project / "manage.py").exists()):
        print(f"No peer set-up at {peer} (set PEER_DIR); timing this clinic only.\n")
        return None
    script = (ROOT / "peer_django_appointment.py").read_text()
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "clinic.settings_pg", "PEER_RUNS": str(RUNS)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [python, "manage.py", "shell", "-c", script],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        sys.exit(f"The peer's benchmark failed:\n{done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    return {
        key: Figure(label, result[key]["requests"], result[key]["queries"], result[key]["median"])
        for key, label in (
            ("one", "django-appointment, 1 practitioner, one request a day"),
            ("team", "django-appointment, 10 staff, one request a day each"),
        )
    }


def report(figures: list[Figure], peer: dict[str, Figure] | None) -> None:
    from django.db import connection

    server = connection.cursor().connection.info.server_version
    print(
        f"PostgreSQL {server // 10000}.{server % 100}, Python {sys.version.split()[0]}, "
        f"median of {RUNS} runs; load average before: {os.getloadavg()[0]:.2f}\n"
    )
    print(f"{'':58}{'requests':>9}{'queries':>9}{'median ms':>11}{'per req.':>10}")
    rows = ([peer["one"], peer["team"]] if peer else []) + figures
    for f in rows:
        per = f"{f.seconds * 1000 / f.requests:8.2f}" if f.requests else ""
        requests = str(f.requests) if f.requests else "-"
        print(f"{f.label:58}{requests:>9}{f.queries:>9,}{f.seconds * 1000:>11.1f}{per:>10}")
    by_label = {f.label.split(" (")[0]: f for f in figures}
    horizon = by_label["day pages, 1 practitioner, horizon 365 days"].seconds / (
        by_label[f"day pages, 1 practitioner, horizon {DAYS + 1} days"].seconds
    )
    print(f"\nPer-page time, horizon 365 against 31 days: {horizon:.2f}x")
    if peer:
        comparisons = [
            ("30 day pages, 1 practitioner", "one", "day pages, 1 practitioner", 3),
            ("month view over the same 30 days", "one", "month view, 1 practitioner", 20),
            ("any of 10, 30 day pages", "team", "day pages, any of 10 practitioners", 20),
            ("any of 10, month view", "team", "month view, any of 10 practitioners", 20),
        ]
        print("\nAgainst django-appointment (its time / ours): cold, cached, after a booking:")
        for label, key, ours, target in comparisons:
            ratios = [
                f"{peer[key].seconds / by_label[f'{ours}, {state}'].seconds:7.1f}x"
                if f"{ours}, {state}" in by_label
                else " " * 8
                for state in ("cold", "cached", "each after a booking")
            ]
            print(f"  {label:40}{' '.join(ratios)}  (target {target}x)")


def main() -> None:
    print(f"Load average: {os.getloadavg()[0]:.2f} (other work on the machine skews timings)")
    peer = peer_figures()
    with scratch_database(SCRATCH_DB):
        from django.utils import timezone

        shapes = seed(timezone.localdate(timezone=ZONE))
        figures = measure(shapes)
        report(figures, peer)


if __name__ == "__main__":
    main()
