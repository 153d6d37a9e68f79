"""django-appointment 3.12, the peer: its booking page's availability requests, timed.

Run by bench_availability.py inside the peer's own set-up (its virtualenv and project, made
by the shared setup.sh), never imported by the clinic:

    cd $PEER_DIR/proj && DJANGO_SETTINGS_MODULE=clinic.settings_pg \
        ../venv/bin/python manage.py shell -c "exec(open('.../peer_django_appointment.py').read())"

The data shape is the shared bench30.py's: Mon-Fri 09:00-17:00, a 45-minute service, a
15-minute grid, 7 booked 45-minute appointments each weekday at 09:00, 10:00 ... 15:00,
for the 30 days from tomorrow; the peer's page asks one request per day (and per staff
member: it has no "any"). Its appointments are rebuilt for today's 30 days on every run.
Prints one JSON line.
"""

import datetime
import json
import os
import statistics
import time
from collections.abc import Callable

from appointment.models import (
    Appointment,
    AppointmentRequest,
    Config,
    Service,
    StaffMember,
    WorkingHours,
)
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

User = get_user_model()
RUNS = int(os.environ.get("PEER_RUNS", "5"))  # timed, after one warm-up, as bench30.py
TEAM = 10

service, _ = Service.objects.get_or_create(
    name="Dry needling 45", defaults={"duration": datetime.timedelta(minutes=45), "price": 80}
)
Config.objects.get_or_create(defaults={"slot_duration": 15})
patient, _ = User.objects.get_or_create(username="pat", defaults={"email": "pat@example.com"})
first = timezone.localdate() + datetime.timedelta(days=1)
days = [first + datetime.timedelta(days=i) for i in range(30)]


def staff_member(username: str) -> StaffMember:
    user, _ = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.com"}
    )
    member, _ = StaffMember.objects.get_or_create(user=user)
    member.services_offered.add(service)
    for dow in range(1, 6):
        WorkingHours.objects.get_or_create(
            staff_member=member,
            day_of_week=dow,
            defaults={"start_time": datetime.time(9), "end_time": datetime.time(17)},
        )
    return member


# bench30.py's practitioner first, then nine colleagues with the same week.
team = [staff_member("dr_needle")] + [staff_member(f"dr_needle_{n}") for n in range(2, TEAM + 1)]
Appointment.objects.all().delete()
AppointmentRequest.objects.all().delete()
for member in team:
    for day in days:
        if day.weekday() < 5:
            for hour in range(9, 16):
                request = AppointmentRequest.objects.create(
                    date=day,
                    start_time=datetime.time(hour),
                    end_time=datetime.time(hour, 45),
                    service=service,
                    staff_member=member,
                )
                Appointment.objects.create(
                    client=patient, appointment_request=request, phone="+12125552368"
                )


def counter(counted: list[int]) -> Callable[..., object]:
    def count(
        execute: Callable[..., object], sql: str, params: object, many: bool, context: object
    ) -> object:
        counted.append(1)
        return execute(sql, params, many, context)

    return count


def walk(members: list[StaffMember]) -> dict:
    client = Client()
    times, queries, requests = [], 0, 0
    for run in range(RUNS + 1):
        counted: list[int] = []
        started = time.perf_counter()
        # Counted by a wrapper: the debug query log keeps only the last 9,000.
        with connection.execute_wrapper(counter(counted)):
            for day in days:
                for member in members:
                    response = client.get(
                        "/appointment/ajax/available_slots/"
                        f"?selected_date={day}&staff_member={member.id}&service_id={service.id}",
                        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
                    )
                    response.json()
        seconds = time.perf_counter() - started
        if run:
            times.append(seconds)
        queries, requests = len(counted), len(days) * len(members)
    return {"requests": requests, "queries": queries, "median": statistics.median(times)}


print(json.dumps({"one": walk(team[:1]), "team": walk(team)}))
