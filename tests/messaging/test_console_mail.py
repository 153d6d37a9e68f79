"""Development's console shows each email as a person reads it: the plain-text part
decoded (no quoted-printable, no base64), links whole, attachments by name and type."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine

from booking.notify.emails import appointment_email
from messaging.console_mail import EmailBackend
from tests import factories
from tests.factories import NOW, at

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def message(clinic, patient, settings):
    settings.SITE_URL = "https://clinic.example"
    with time_machine.travel(NOW, tick=False):
        appointment = factories.book(clinic, patient, at(9), source="online")
        return appointment_email(appointment, "booked")


def printed(messages) -> str:
    stream = io.StringIO()
    connection = EmailBackend(stream=stream)
    assert connection.send_messages(messages) == len(messages)
    return stream.getvalue()


def test_it_prints_the_headers_the_text_decoded_and_the_attachments(message, patient):
    out = printed([message])
    assert f"To: {patient.email}" in out
    assert "From: appointments@clinic.example" in out
    assert "Subject: Your appointment is booked · " in out  # decoded, not =?utf-8?q?
    assert "Hello Charlie," in out
    assert "Monday 11 January 2027, 09:00–10:00 GMT" in out  # no =E2=80=93
    [link] = [line for line in out.splitlines() if "/appointment/" in line]
    assert link.startswith("https://clinic.example/appointment/")
    assert link.endswith("/")
    assert "quoted-printable" not in out
    assert "Content-Transfer-Encoding" not in out
    assert "appointment.ics: text/calendar" in out
    assert "(HTML part) text/html" in out
    assert "<table" not in out


def test_it_separates_each_email(message):
    out = printed([message, message])
    assert out.count("-" * 79) == 2
    assert out.count("Hello Charlie,") == 2


def test_mailer_console_chooses_it():
    code = "from django.conf import settings; print(settings.MAILERS['default']['BACKEND'])"
    environment = {k: v for k, v in os.environ.items() if k not in {"MAILER", "DEBUG"}}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment | {"DJANGO_SETTINGS_MODULE": "clinic.settings", "DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == "messaging.console_mail.EmailBackend"
