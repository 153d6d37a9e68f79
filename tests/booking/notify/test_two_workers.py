"""Two task workers on one queue, as on two machines: every email goes exactly once.

Real threads on PostgreSQL, committed (``transaction=True``): each worker claims a task
under SELECT ... FOR UPDATE SKIP LOCKED, so the other never runs it too."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from booking.models import AppointmentSource
from booking.services.booking import appointment_book
from patients.models import Patient
from tests.factories import MONDAY, NOW

BOOKINGS = 6


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_each_email_once(clinic, settings, mailoutbox):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DEFERRED_TASK_BACKEND = "default"
    for n in range(BOOKINGS):
        patient = Patient.objects.create(
            first_name=f"P{n}",
            last_name="Queue",
            email=f"queue{n}@example.com",
            phone="+441134960000",
            date_of_birth=dt.date(1980, 1, 1),
        )
        appointment_book(
            patient=patient,
            service=clinic.initial,
            location=clinic.location,
            start=dt.datetime.combine(
                MONDAY + dt.timedelta(days=n % 3),
                dt.time(9) if n < 3 else dt.time(10, 15),
                tzinfo=dt.UTC,
            ),
            practitioner=clinic.alice,
            source=AppointmentSource.FRONT_DESK,
            now=NOW,
        )
    queued = DBTaskResult.objects.ready().count()
    assert queued >= 2 * BOOKINGS  # a confirmation and a forms request each
    barrier = threading.Barrier(2, timeout=10)

    def worker(name: str) -> None:
        try:
            barrier.wait()
            # db_worker's own loop; its command would install signal handlers, which only
            # the main thread may do.
            Worker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=name,
                excluded_queue_names=[],
            ).run()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sent = Counter((tuple(m.to), m.subject) for m in mailoutbox)
    assert sent, "the workers sent nothing"
    assert max(sent.values()) == 1, sent
    assert {to for to, _ in sent} == {(f"queue{n}@example.com",) for n in range(BOOKINGS)}
    assert DBTaskResult.objects.ready().count() == 0
