"""The patient hears of a new invoice or receipt by email: a link to the portal's
invoices page, built by the task worker, with no amount, no service and no attachment."""

import pytest
from django.core import mail
from django.tasks import task_backends
from django.urls import reverse

from billing.models import Payer, PayerKind
from tests import factories

SITE = "https://clinic.example"
DUMMY = {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}


@pytest.fixture
def queue(settings):
    """Tasks are recorded, not run, until the test plays the worker."""
    settings.TASKS = {"default": DUMMY, "deferred": DUMMY}
    settings.SITE_URL = SITE
    return task_backends["default"]


def run_queued(backend) -> list[str]:
    names = []
    for result in list(backend.results):
        result.task.call(*result.args, **result.kwargs)
        names.append(result.task.name)
    backend.clear()
    return names


def url(name, *args):
    return reverse(f"billing_staff:{name}", args=args)


def assert_link_only(message, patient):
    assert message.to == [patient.email]
    assert f"{SITE}{reverse('billing_portal:documents')}" in message.body
    html = message.alternatives[0][0]
    assert f'href="{SITE}{reverse("billing_portal:documents")}"' in html
    assert message.attachments == []
    for private in ("£", "Session", "dry needling", "INV-", "PDF"):
        assert private not in message.body, private
        assert private not in html, private


def test_issuing_an_invoice_emails_the_patient_a_link(
    desk, patient, queue, django_capture_on_commit_callbacks
):
    draft = factories.invoice(patient, "60.00", issued=False)
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(url("invoice_issue", draft.pk))
    assert mail.outbox == []  # the page sent nothing itself

    assert run_queued(queue) == ["send_invoice_email"]

    [message] = mail.outbox
    assert message.subject.startswith("Your invoice is ready")
    assert_link_only(message, patient)


def test_a_payment_emails_the_patient_a_link_to_the_receipt(
    desk, patient, queue, django_capture_on_commit_callbacks
):
    invoice = factories.invoice(patient, "60.00")
    queue.clear()
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(
            url("payment_new", patient.pk),
            {
                "method": "card",
                "amount": "60.00",
                "idempotency_key": "key-1",
                f"invoice_{invoice.pk}": "60.00",
            },
        )

    assert run_queued(queue) == ["send_receipt_email"]

    [message] = mail.outbox
    assert message.subject.startswith("Your receipt is ready")
    assert_link_only(message, patient)


def test_an_insurers_invoice_is_emailed_to_the_patient_only_when_the_desk_asks(
    desk, patient, queue, django_capture_on_commit_callbacks
):
    insurer = Payer.objects.create(kind=PayerKind.INSURER, name="Bupa")
    with django_capture_on_commit_callbacks(execute=True):
        invoice = factories.invoice(patient, "60.00", payer=insurer)
    assert run_queued(queue) == []

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(url("invoice_email", invoice.pk), follow=True)
    assert "Emailed Charlie a link to their invoices." in response.text
    assert run_queued(queue) == ["send_invoice_email"]
    assert_link_only(mail.outbox[0], patient)


def test_an_archived_patient_is_not_emailed(patient, queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        factories.invoice(patient, "60.00")
    patient.is_archived = True
    patient.save()

    run_queued(queue)

    assert mail.outbox == []
