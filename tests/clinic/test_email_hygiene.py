"""Every email goes through the task worker (none is sent by the page that caused it), its
links use the address the clinic is configured on, alerts go to the clinic's own inbox, and
the worker's log prints each event once."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.tasks import task_backends
from django.template.base import TextNode
from django.template.loader import get_template
from django.urls import reverse

from booking import links
from booking.models import Appointment
from tests import factories
from tests.booking.views.public_flow import choose
from tests.factories import NOW, at

SITE = "http://127.0.0.1:8828"
DUMMY = {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queue(settings):
    """Tasks are recorded, not run: whatever reaches the outbox was sent directly."""
    settings.TASKS = {"default": DUMMY, "deferred": DUMMY}
    settings.SITE_URL = SITE
    settings.CLINIC_NOTIFY_EMAIL = "desk@clinic.example"
    backend = task_backends["default"]
    with time_machine.travel(NOW, tick=False):
        yield backend


def run_queued(backend) -> list[str]:
    """Play the worker: run every queued task once; returns the tasks' names."""
    names = []
    for result in list(backend.results):
        result.task.call(*result.args, **result.kwargs)
        names.append(result.task.name)
    backend.clear()
    return names


def test_every_patient_email_is_a_task_with_links_on_the_configured_address(
    client, clinic, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        choose(client, clinic)
        client.post(reverse("booking:review"))
        client.post(reverse("booking:portal_sign_in"), {"email": "dana@example.com"})
        appointment = factories.book(clinic, factories.patient(), at(14), source="online")
        client.post(reverse("booking:manage_cancel", args=[links.manage_token(appointment)]))

    assert mail.outbox == []
    names = run_queued(queue)
    assert sorted(set(names)) == [
        "offer_freed_time",  # the cancelled time, offered to the waitlist (empty here)
        "send_appointment_email",
        "send_intake_request",
        "send_sign_in_link",
    ]
    subjects = [message.subject for message in mail.outbox]
    # Two confirmations, two invitations to the forms, the sign-in link, the cancellation.
    assert len(mail.outbox) == 6, subjects
    for message in mail.outbox:
        body = message.body
        assert f"{SITE}/" in body, message.subject
        assert "http://testserver" not in body
        assert "127.0.0.1:8000" not in body


def test_signing_the_consent_queues_the_copy_and_alerts_the_clinic_inbox(
    patient, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        factories.submitted_intake(patient, "pregnancy")

    assert mail.outbox == []
    assert sorted(run_queued(queue)) == ["notify_clinic_review", "send_consent_copy"]
    to = sorted(tuple(message.to) for message in mail.outbox)
    assert to == sorted([("desk@clinic.example",), (patient.email,)])
    assert all(message.from_email == "appointments@clinic.example" for message in mail.outbox)


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SITE_URL", "PORT", "DEBUG", "SECRET_KEY"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment | {"DJANGO_SETTINGS_MODULE": "clinic.settings"} | env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def test_links_follow_the_port_the_development_server_runs_on():
    code = "from django.conf import settings; print(settings.SITE_URL)"
    assert _python(code, DEBUG="true", PORT="8828").stdout.strip() == SITE
    assert _python(code, DEBUG="true").stdout.strip() == "http://127.0.0.1:8000"
    explicit = _python(code, DEBUG="true", PORT="8828", SITE_URL="https://clinic.example")
    assert explicit.stdout.strip() == "https://clinic.example"


def test_the_worker_prints_each_event_once():
    code = (
        "import django; django.setup(); import logging; "
        "logging.getLogger('django.tasks').info('Task one finished'); "
        "logging.getLogger('django_tasks_db').info('Worker event')"
    )
    printed = _python(code, DEBUG="true").stderr.splitlines()
    assert printed == ["Task one finished", "Worker event"]


def test_the_demo_clinic_queues_no_email(db, queue, settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_clinic", password="demo-pass-for-tests", stdout=StringIO())
    assert Appointment.objects.exists()
    assert queue.results == []
    assert task_backends["deferred"].results == []


def _templates() -> list[Path]:
    folder = ROOT / "templates"
    return sorted(path.relative_to(folder) for path in folder.rglob("*.html"))


@pytest.mark.parametrize("name", _templates(), ids=str)
def test_no_template_comment_reaches_a_page(name):
    """Django's `{# #}` ends on its line: one spread over two lines is printed as text.
    Whatever a template prints verbatim is its text nodes, and none holds a comment."""
    template = get_template(str(name)).template
    printed = "".join(node.s for node in template.nodelist.get_nodes_by_type(TextNode))
    for marker in ("{#", "#}", "{% comment", "{% endcomment"):
        assert marker not in printed, f"{name} prints {marker!r}"
