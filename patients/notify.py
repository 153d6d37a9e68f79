"""Clinic-side notifications about clinical records, on the task worker.

The manager hears that a significant or serious adverse event needs review: the email
says only that, with a staff link. Nothing clinical, not even the patient's name, goes
into an email.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.urls import reverse

from patients.models import AdverseEvent


@task
def send_event_alert(*, event_id: int) -> str:
    if not AdverseEvent.objects.filter(pk=event_id, closed_at__isnull=True).exists():
        return "skipped: closed"
    link = settings.SITE_URL + reverse("patients_staff:adverse_events")
    send_mail(
        f"An event needs review · {settings.CLINIC_NAME}",
        f"An event needs review. Please sign in to see it:\n{link}\n",
        settings.DEFAULT_FROM_EMAIL,
        [settings.CLINIC_NOTIFY_EMAIL],
    )
    return "sent"


def after_event_recorded(event: AdverseEvent) -> None:
    pk = event.pk
    transaction.on_commit(lambda: send_event_alert.enqueue(event_id=pk))
