"""The task worker with a heartbeat: django-tasks-db's `db_worker`, plus a row in
clinic.WorkerHeartbeat refreshed every HEARTBEAT_SECONDS, which /healthz reads.

Run as many as you like, on as many machines: each claims a task under
`SELECT ... FOR UPDATE SKIP LOCKED`, so no task (no email) runs twice.
"""

import datetime as dt
import logging
import threading
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from clinic.models import WorkerHeartbeat
from clinic.periodic import schedule_all

HEARTBEAT_SECONDS = 30

logger = logging.getLogger(__name__)


def beat(worker_id: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id[:64], defaults={"seen_at": now})
    # Each start has a new id: forget workers long gone.
    WorkerHeartbeat.objects.filter(seen_at__lt=now - dt.timedelta(days=1)).delete()


def _beat_forever(worker_id: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            beat(worker_id)
        except DatabaseError:
            logger.warning("The task worker could not record its heartbeat")
        finally:
            connection.close()  # this thread's own connection; a fresh one next time
        stop.wait(HEARTBEAT_SECONDS)


class Command(DbWorkerCommand):
    help = (
        "Run the task worker (emails, reminders, nightly jobs) and record its heartbeat "
        "for /healthz."
    )

    def handle(self, **options: Any) -> None:
        stop = threading.Event()
        heart = threading.Thread(
            target=_beat_forever, args=(options["worker_id"], stop), daemon=True
        )
        heart.start()
        # The nightly jobs (clinic.periodic): queued once if none is waiting.
        schedule_all(now=timezone.now())
        try:
            super().handle(**options)
        finally:
            stop.set()
