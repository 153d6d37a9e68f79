"""Booking's nightly jobs on the task worker (clinic.periodic.DAILY): recalls and
follow-up surveys. Each queues one task per message, after its transaction commits."""

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from booking.notify.recalls import (
    after_recalls_queued,
    after_surveys_due,
    surveys_due,
)
from booking.services.recalls import recalls_queue, recalls_settle
from clinic.periodic import schedule


@task
def send_recalls() -> str:
    """Recalls sent before and since booked are marked booked; episodes due a recall get
    one, queued now and sent by its own task (decision 0111)."""
    now = timezone.now()
    booked = recalls_settle()
    with transaction.atomic():
        queued = recalls_queue(now=now)
        after_recalls_queued(queued)
    schedule(send_recalls, now=now)
    return f"{len(queued)} queued, {booked} booked"


@task
def send_follow_up_surveys() -> str:
    """Follow-up surveys whose day has come, each sent by its own task (decision 0112)."""
    now = timezone.now()
    with transaction.atomic():
        ids = surveys_due(now=now)
        after_surveys_due(ids)
    schedule(send_follow_up_surveys, now=now)
    return f"{len(ids)} queued"
