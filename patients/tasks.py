"""Background tasks for patient records (Django's tasks framework; `manage.py db_worker`
runs them). Every email goes through the worker, so a slow or failing mail server never
holds up or breaks the page that caused it. The emails name no answers and nothing clinical.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task


@task
def notify_clinic_review(*, review_url: str) -> str:
    """Tell the clinic's inbox (`CLINIC_NOTIFY_EMAIL`) that an intake needs a practitioner."""
    send_mail(
        "An intake needs review",
        f"An intake needs review:\n{review_url}\n",
        settings.DEFAULT_FROM_EMAIL,
        [settings.CLINIC_NOTIFY_EMAIL],
    )
    return "sent"


@task
def send_consent_copy(*, email: str, copy_url: str) -> str:
    send_mail(
        "Your copy of the form you signed",
        "Thank you for completing your pre-visit forms.\n\n"
        f"You can read and download a copy of the form you signed here:\n{copy_url}\n\n"
        "The link works for 30 days. Please keep it private.\n",
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )
    return "sent"
