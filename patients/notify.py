"""Clinic-side notifications about clinical records, on the task worker.

The manager hears that a significant or serious adverse event needs review, or that a
record was opened by break-glass: the email says only that, with a staff link. Nothing
clinical, not even the patient's name, goes into an email.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.tasks import task
from django.urls import reverse

from patients.models import AdverseEvent, BreakGlassAccess


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


@task
def send_break_glass_alert(*, access_id: int) -> str:
    """Tell the manager who opened a record without a care relationship: the link is the
    patient's access log, where the reason is; the email names no patient."""
    access = BreakGlassAccess.objects.select_related("user").filter(pk=access_id).first()
    if access is None:
        return "skipped: gone"
    link = settings.SITE_URL + reverse("patients_staff:access_log", args=[access.patient_id])
    who = access.user.get_full_name() or access.user.get_username()
    send_mail(
        f"A record was opened by break-glass · {settings.CLINIC_NAME}",
        f"{who} opened a patient's record without a care relationship, giving a reason.\n"
        f"Please sign in to see who, when and why:\n{link}\n",
        settings.DEFAULT_FROM_EMAIL,
        [settings.CLINIC_NOTIFY_EMAIL],
    )
    return "sent"


def after_break_glass(access: BreakGlassAccess) -> None:
    pk = access.pk
    transaction.on_commit(lambda: send_break_glass_alert.enqueue(access_id=pk))
