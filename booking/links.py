"""Signed links in patients' emails: manage one appointment, sign in to the portal, claim
a freed time. Each kind has its own salt, so no token can be replayed as another kind,
and its own lifetime. Tokens carry ids only, never names or times.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.core import signing
from django.urls import reverse

from booking.models import Appointment
from patients.models import Patient

MANAGE_SALT = "booking.manage-link"
SIGN_IN_SALT = "booking.portal-sign-in"
CLAIM_SALT = "booking.waitlist-claim"


class LinkError(Exception):
    """A link that was tampered with, has expired, or no longer matches its appointment."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _version(appointment: Appointment) -> str:
    # Any save (a move, a cancellation, a status change) changes updated_at, and with it
    # every earlier link to the appointment; the time and status are folded in too, so a
    # change within one clock tick still counts.
    state = f"{appointment.updated_at.timestamp():.6f}|{appointment.start.timestamp()}|"
    return hashlib.sha256((state + appointment.status).encode()).hexdigest()[:16]


def _load(token: str, *, salt: str, max_age: dt.timedelta) -> dict:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkError("This link has expired.", code="expired") from error
    except signing.BadSignature as error:
        raise LinkError("This link is not valid.", code="invalid") from error
    if not isinstance(data, dict):
        raise LinkError("This link is not valid.", code="invalid")
    return data


def _id(data: dict, key: str) -> int:
    """The id a token carries under `key`; a token without one is not valid."""
    value = data.get(key)
    if value is None:
        raise LinkError("This link is not valid.", code="invalid")
    return value


def manage_token(appointment: Appointment) -> str:
    return signing.dumps({"a": appointment.pk, "v": _version(appointment)}, salt=MANAGE_SALT)


def manage_path(appointment: Appointment) -> str:
    return reverse("booking:manage", args=[manage_token(appointment)])


def appointment_from_manage_token(token: str) -> Appointment:
    data = _load(
        token, salt=MANAGE_SALT, max_age=dt.timedelta(days=settings.CLINIC_MANAGE_LINK_DAYS)
    )
    appointment = (
        Appointment.objects.select_related(
            "service", "location", "practitioner__user", "patient", "room"
        )
        .filter(pk=_id(data, "a"))
        .first()
    )
    if appointment is None:
        raise LinkError("This link is not valid.", code="invalid")
    if _version(appointment) != data.get("v"):
        raise LinkError(
            "This appointment has changed since this link was sent; please use the link "
            "in the most recent email from us.",
            code="changed",
        )
    return appointment


def sign_in_version(patient: Patient) -> str:
    """Changes each time the patient enters the portal, which spends every sign-in link
    sent before: a link works once."""
    last = patient.portal_sign_in_at
    state = f"{last.timestamp():.6f}" if last is not None else "never"
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def sign_in_token(patient: Patient) -> str:
    return signing.dumps({"p": patient.pk, "v": sign_in_version(patient)}, salt=SIGN_IN_SALT)


def patient_from_sign_in_token(token: str) -> Patient:
    data = _load(
        token,
        salt=SIGN_IN_SALT,
        max_age=dt.timedelta(minutes=settings.CLINIC_SIGN_IN_LINK_MINUTES),
    )
    patient = Patient.objects.filter(pk=_id(data, "p"), is_archived=False).first()
    if patient is None:
        raise LinkError("This link is not valid.", code="invalid")
    if sign_in_version(patient) != data.get("v"):
        raise LinkError(
            "This sign-in link has already been used. Ask for a new one below.", code="used"
        )
    return patient


def claim_token(
    *, entry_id: int, location_id: int, start: dt.datetime, practitioner_id: int | None
) -> str:
    return signing.dumps(
        {
            "e": entry_id,
            "l": location_id,
            "s": start.astimezone(dt.UTC).isoformat(),
            "p": practitioner_id,
        },
        salt=CLAIM_SALT,
    )


def claim_from_token(token: str, *, max_age: dt.timedelta) -> dict:
    data = _load(token, salt=CLAIM_SALT, max_age=max_age)
    try:
        data["s"] = dt.datetime.fromisoformat(data["s"])
    except (KeyError, TypeError, ValueError) as error:
        raise LinkError("This link is not valid.", code="invalid") from error
    return data


# --- Recalls: "I don't need another appointment" (decision 0111) ----------------------------

RECALL_DECLINE_SALT = "booking.recall-decline"
RECALL_DECLINE_MAX_AGE = dt.timedelta(days=90)


def recall_decline_path(recall_id: int) -> str:
    token = signing.dumps({"r": recall_id}, salt=RECALL_DECLINE_SALT)
    return reverse("booking:recall_decline", args=[token])


def recall_id_from_decline_token(token: str) -> int:
    data = _load(token, salt=RECALL_DECLINE_SALT, max_age=RECALL_DECLINE_MAX_AGE)
    value = _id(data, "r")
    if not isinstance(value, int):
        raise LinkError("This link is not valid.", code="invalid")
    return value
