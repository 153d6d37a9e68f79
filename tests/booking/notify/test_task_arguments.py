"""The task queue is a table, kept and backed up like any other: its rows hold ids, never
an email address, a signed token or a link. The tasks build those when they run."""

import json
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from booking import links
from tests import factories
from tests.booking.views.public_flow import choose
from tests.factories import NOW, at

DATABASE = {"BACKEND": "django_tasks_db.DatabaseBackend"}
SITE = "https://clinic.example"
# A Django signed value (payload:timestamp:signature), as in every link token.
SIGNED = re.compile(r"[\w-]{2,}:[\w-]{4,}:[\w-]{20,}")


@pytest.fixture
def stored_queue(settings):
    settings.TASKS = {"default": DATABASE, "deferred": DATABASE}
    settings.DEFERRED_TASK_BACKEND = "deferred"
    settings.SITE_URL = SITE
    with time_machine.travel(NOW, tick=False):
        yield


def stored_arguments() -> list[tuple[str, str]]:
    return [
        (row.task_path.rsplit(".", 1)[1], json.dumps(row.args_kwargs))
        for row in DBTaskResult.objects.order_by("enqueued_at", "pk")
    ]


def run_the_worker() -> None:
    """What the worker does with each stored row: the task, called with what was stored
    (db_worker itself closes the connection the test's transaction lives in)."""
    for row in DBTaskResult.objects.order_by("enqueued_at", "pk"):
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])


def assert_only_ids(arguments: list[tuple[str, str]], addresses: list[str]) -> None:
    for name, stored in arguments:
        assert "@" not in stored, (name, stored)
        assert "http" not in stored, (name, stored)
        assert "/" not in stored, (name, stored)  # no path, so no link of any kind
        assert not SIGNED.search(stored), (name, stored)
        for address in addresses:
            assert address.lower() not in stored.lower(), (name, stored)


def test_a_portal_sign_in_queues_ids_known_address_or_not(
    client, patient, stored_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("booking:portal_sign_in"), {"email": patient.email.upper()})
    known = stored_arguments()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("booking:portal_sign_in"), {"email": "nobody@example.com"})
    unknown = [row for row in stored_arguments() if row not in known]

    # One task each time, the same shape: only the matching records' ids (none for an
    # address on no record), so the queue holds no address to look up later.
    sign_in = "send_sign_in_link"
    assert known == [(sign_in, json.dumps({"args": [], "kwargs": {"patient_ids": [patient.pk]}}))]
    assert unknown == [(sign_in, json.dumps({"args": [], "kwargs": {"patient_ids": []}}))]
    assert_only_ids(known + unknown, [patient.email, "nobody@example.com"])
    run_the_worker()
    [message] = mail.outbox
    assert message.to == [patient.email]
    assert f"{SITE}/my/sign-in/" in message.body


def test_signing_the_consent_queues_ids_and_the_links_are_built_when_sent(
    client, patient, stored_queue, settings, django_capture_on_commit_callbacks
):
    settings.CLINIC_NOTIFY_EMAIL = "desk@clinic.example"
    with django_capture_on_commit_callbacks(execute=True):
        factories.submitted_intake(patient, "pregnancy")  # held for review

    arguments = stored_arguments()
    names = sorted(name for name, _ in arguments)
    assert names == ["notify_clinic_review", "send_consent_copy"]
    assert_only_ids(arguments, [patient.email])
    run_the_worker()
    sent = {message.to[0]: message.body for message in mail.outbox}
    assert f"{SITE}/staff/intakes/" in sent["desk@clinic.example"]
    copy = re.search(rf"{SITE}/intake/([^/\s]+)/copy/", sent[patient.email])
    assert copy is not None
    assert client.get(copy.group(0).removeprefix(SITE)).status_code == 200  # a live link


def test_booking_moving_and_cancelling_queue_ids_only(
    client, clinic, stored_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        choose(client, clinic)
        client.post(reverse("booking:review"))
        appointment = factories.book(clinic, factories.patient(), at(14), source="online")
        client.post(reverse("booking:manage_cancel", args=[links.manage_token(appointment)]))

    arguments = stored_arguments()
    assert {"send_appointment_email", "send_intake_request", "offer_freed_time"} <= {
        name for name, _ in arguments
    }
    assert_only_ids(arguments, [appointment.patient.email, "dana@example.com"])
