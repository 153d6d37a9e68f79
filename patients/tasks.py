"""Background tasks for patient records (Django's tasks framework; `manage.py db_worker`
runs them). Every email goes through the worker, so a slow or failing mail server never
holds up or breaks the page that caused it. The emails name no answers and nothing clinical.

Tasks take ids and build addresses and links when they run: the queue is a table, and
neither an email address nor a signed link belongs in it.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse

from messaging.rendering import Action, email_message
from patients.links import intake_token
from patients.models import ConsentSignature, Intake


@task
def notify_clinic_review(*, intake_id: int) -> str:
    """Tell the clinic's inbox (`CLINIC_NOTIFY_EMAIL`) that an intake needs a practitioner."""
    if not Intake.objects.filter(pk=intake_id).exists():
        return "skipped: missing"
    review_url = settings.SITE_URL + reverse("patients_staff:intakes")
    send_mail(
        "An intake needs review",
        f"An intake needs review:\n{review_url}\n",
        settings.DEFAULT_FROM_EMAIL,
        [settings.CLINIC_NOTIFY_EMAIL],
    )
    return "sent"


@task
def send_consent_copy(*, signature_id: int) -> str:
    signature = ConsentSignature.objects.select_related("patient").filter(pk=signature_id).first()
    if signature is None or signature.patient.is_archived:
        return "skipped: missing"
    patient = signature.patient
    copy_url = settings.SITE_URL + reverse("patients:intake_copy", args=[intake_token(patient)])
    email_message(
        "consent_copy",
        to=patient.email,
        patient=patient,
        context={"first_name": patient.first_name, "link": copy_url},
        action=Action("Read your copy", copy_url),
    ).send()
    return "sent"
