"""/healthz: the database, the migrations, and the task worker's heartbeat."""

import datetime as dt

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from clinic.management.commands.task_worker import beat
from clinic.models import WorkerHeartbeat


def database_down(execute, sql, params, many, context):
    raise OperationalError("could not connect to server")


@pytest.mark.django_db
def test_it_is_healthy_with_a_live_worker(client):
    beat("worker-1")

    page = client.get("/healthz")

    assert page.status_code == 200
    assert page.json()["database"] == "ok"
    assert page.json()["migrations"] == "ok"
    assert page.json()["worker"] == "ok"


@pytest.mark.django_db
def test_it_reports_a_stopped_worker_without_failing_the_web_check(client):
    WorkerHeartbeat.objects.create(
        worker_id="gone", seen_at=timezone.now() - dt.timedelta(minutes=5)
    )

    page = client.get("/healthz")

    assert page.status_code == 200
    assert page.json()["worker"] == "stale"


@pytest.mark.django_db
def test_it_fails_when_the_database_is_unreachable(client):
    with connection.execute_wrapper(database_down):
        page = client.get("/healthz")

    assert page.status_code == 503
    assert page.json() == {"database": "unreachable"}


@pytest.mark.django_db
def test_it_fails_while_migrations_are_pending(client, monkeypatch):
    monkeypatch.setattr("clinic.health._applied", set())
    monkeypatch.setattr(
        "clinic.health.MigrationExecutor.migration_plan", lambda self, targets: [("pending",)]
    )

    page = client.get("/healthz")

    assert page.status_code == 503
    assert page.json()["migrations"] == "pending"
