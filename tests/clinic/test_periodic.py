"""The nightly jobs (clinic.periodic): queued for 03:00 in the clinic's zone, once
however often the worker starts, and each run queues the next."""

import datetime as dt
import zoneinfo

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from billing.periodic import expire_packages, expire_vouchers
from clinic.periodic import DAILY, next_run, schedule, schedule_all

LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (
            dt.datetime(2027, 1, 4, 2, 0, tzinfo=LONDON),
            dt.datetime(2027, 1, 4, 3, 0, tzinfo=LONDON),
        ),
        (
            dt.datetime(2027, 1, 4, 3, 0, tzinfo=LONDON),
            dt.datetime(2027, 1, 5, 3, 0, tzinfo=LONDON),
        ),
        # The night the clocks go forward: 03:00 BST is 02:00 UTC.
        (
            dt.datetime(2027, 3, 27, 12, 0, tzinfo=LONDON),
            dt.datetime(2027, 3, 28, 3, 0, tzinfo=LONDON),
        ),
    ],
)
def test_the_next_run_is_the_next_3am_in_the_clinics_zone(now, expected, settings):
    settings.TIME_ZONE = "Europe/London"
    assert next_run(now) == expected


@pytest.fixture
def database_queue(settings):
    """The deferred backend as in production: django-tasks-db's database queue."""
    settings.TASKS = {
        **settings.TASKS,
        "deferred": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    }


def test_the_worker_queues_each_job_once(db, database_queue):
    now = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
    assert schedule_all(now=now) == len(DAILY)
    assert schedule_all(now=now) == 0  # a second worker, a restart: nothing more

    for job in (expire_packages, expire_vouchers):
        queued = DBTaskResult.objects.get(task_path=job.module_path)
        assert queued.status == TaskResultStatus.READY
        assert queued.run_after == next_run(now)


@pytest.mark.parametrize("job", [expire_packages, expire_vouchers])
def test_a_run_queues_the_next_unless_one_waits(db, database_queue, job):
    now = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
    assert job.call() == "0 expired"
    assert DBTaskResult.objects.filter(task_path=job.module_path).count() == 1
    assert not schedule(job, now=now)
