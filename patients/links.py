"""The private link a patient uses to fill in their intake forms.

The token names one patient, is signed with SECRET_KEY under its own salt (so no other
signed value in the project can be replayed here) and expires after INTAKE_LINK_MAX_AGE.
"""

import datetime as dt

from django.core import signing
from django.urls import reverse

from patients.models import Patient

SALT = "patients.intake-link"
INTAKE_LINK_MAX_AGE = dt.timedelta(days=30)


class IntakeLinkError(Exception):
    """The token was tampered with, names no (active) patient, or has expired."""


class IntakeLinkExpired(IntakeLinkError):
    pass


def intake_token(patient: Patient) -> str:
    return signing.dumps({"p": patient.pk}, salt=SALT, compress=False)


def intake_url(patient: Patient) -> str:
    """Site-relative path of the patient's intake forms, valid for 30 days."""
    return reverse("patients:intake", args=[intake_token(patient)])


def patient_from_intake_token(token: str) -> Patient:
    try:
        data = signing.loads(token, salt=SALT, max_age=INTAKE_LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise IntakeLinkExpired("This link has expired.") from error
    except signing.BadSignature as error:
        raise IntakeLinkError("This link is not valid.") from error
    patient = Patient.objects.filter(pk=data.get("p"), is_archived=False).first()
    if patient is None:
        raise IntakeLinkError("This link is not valid.")
    return patient


# --- Per-appointment links: the pre-visit questions and the check-in after a session ----

PRE_VISIT_SALT = "patients.pre-visit"
CHECK_IN_SALT = "patients.check-in"
VISIT_LINK_MAX_AGE = dt.timedelta(days=14)


def visit_token(appointment_id: int, *, salt: str) -> str:
    return signing.dumps({"a": appointment_id}, salt=salt, compress=False)


def appointment_id_from_visit_token(token: str, *, salt: str) -> int:
    """The appointment a pre-visit or check-in link names; IntakeLinkError if tampered
    with or expired (both kinds expire after two weeks)."""
    try:
        data = signing.loads(token, salt=salt, max_age=VISIT_LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise IntakeLinkExpired("This link has expired.") from error
    except signing.BadSignature as error:
        raise IntakeLinkError("This link is not valid.") from error
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        raise IntakeLinkError("This link is not valid.")
    return data["a"]


# --- Follow-up surveys (decision 0112) ------------------------------------------------------

FOLLOW_UP_SALT = "patients.follow-up"
FOLLOW_UP_MAX_AGE = dt.timedelta(days=14)


def follow_up_path(survey_id: int) -> str:
    """The survey's link, signed now: it expires FOLLOW_UP_MAX_AGE after sending."""
    token = signing.dumps({"s": survey_id}, salt=FOLLOW_UP_SALT, compress=False)
    return reverse("visit_links:follow_up", args=[token])


def survey_id_from_token(token: str) -> int:
    try:
        data = signing.loads(token, salt=FOLLOW_UP_SALT, max_age=FOLLOW_UP_MAX_AGE)
    except signing.BadSignature as error:  # expired too: the page says the same either way
        raise IntakeLinkError("This link is not valid.") from error
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise IntakeLinkError("This link is not valid.")
    return data["s"]
