"""Daily jobs on the task worker (expiring packages and gift vouchers, and the like):
each is a task that, when it runs, puts its next run in the queue for the next night, so
the worker needs no cron. The worker queues every job of DAILY at its start when none is
waiting (clinic.management.commands.task_worker), which also starts the chain on a new
install.

Queued on the deferred backend, as reminders are: with the database backend a job waits
for its time; in tests (a dummy backend) it is only recorded, never run in a loop. Two
workers starting at once may queue a job twice: each job is idempotent, and a run that
finds another waiting does not queue a third."""

import datetime as dt
import logging

from django.conf import settings
from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Task paths, run once a night at RUN_AT in the clinic's zone.
DAILY: list[str] = [
    "billing.periodic.expire_packages",
    "billing.periodic.expire_vouchers",
    "booking.periodic.send_recalls",
    "booking.periodic.send_follow_up_surveys",
]
RUN_AT = dt.time(3, 0)


def next_run(now: dt.datetime) -> dt.datetime:
    """The next RUN_AT after `now`, in the clinic's zone (settings.TIME_ZONE)."""
    local = timezone.localtime(now)
    when = local.replace(hour=RUN_AT.hour, minute=RUN_AT.minute, second=0, microsecond=0)
    if when <= local:
        day = local.date() + dt.timedelta(days=1)
        when = dt.datetime.combine(day, RUN_AT, tzinfo=local.tzinfo)
    return when


def _waiting(task: Task[[], str]) -> bool:
    """Whether a run of the task is queued already (the database backend only)."""
    backend = settings.TASKS[settings.DEFERRED_TASK_BACKEND]["BACKEND"]
    if backend != "django_tasks_db.DatabaseBackend":
        return False
    # Only here: the app's models are loaded once the worker runs.
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415

    waiting = DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)
    return waiting.exists()


def schedule(task: Task[[], str], *, now: dt.datetime) -> bool:
    """Queue the task's next nightly run unless one is waiting; whether it was queued."""
    if _waiting(task):
        return False
    task.using(run_after=next_run(now), backend=settings.DEFERRED_TASK_BACKEND).enqueue()
    return True


def schedule_all(*, now: dt.datetime) -> int:
    """Every daily job queued once (the worker's start). How many were queued."""
    return sum(schedule(import_string(path), now=now) for path in DAILY)
