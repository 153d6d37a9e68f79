"""Each email to a patient is written down when the worker sends it, or fails to: kind,
address, subject and state, never the body (which holds signed links)."""

import re

import pytest
from django.core import mail

from booking.notify.emails import sign_in_email
from messaging.models import EmailRecord, EmailState
from messaging.rendering import email_message


def test_a_sent_email_is_recorded_without_its_body(patient):
    sign_in_email(patient).send()
    [email] = mail.outbox
    [record] = EmailRecord.objects.all()
    assert (record.patient, record.kind, record.to, record.state) == (
        patient,
        "sign_in",
        patient.email,
        EmailState.SENT,
    )
    assert record.subject == email.subject
    link = re.search(r"http\S+/my/sign-in/\S+", email.body)[0]
    token = link.rstrip("/").rsplit("/", 1)[1]
    fields = [str(getattr(record, f.attname)) for f in EmailRecord._meta.concrete_fields]
    assert not any(token in value for value in fields)


def test_an_email_the_server_refuses_is_recorded_as_failed(patient, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
        }
    }
    with pytest.raises(ConnectionRefusedError):
        sign_in_email(patient).send()
    [record] = EmailRecord.objects.all()
    assert record.state == EmailState.FAILED
    assert record.error.startswith("ConnectionRefusedError")


def test_an_email_to_someone_not_a_patient_is_not_recorded(db):
    email_message("sign_in", to="someone@example.com", patient=None, context={}).send()
    assert len(mail.outbox) == 1
    assert not EmailRecord.objects.exists()
