import datetime

from patients.models import Patient


def patient_find_or_create(
    *,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    date_of_birth: datetime.date,
) -> Patient:
    """Return the patient with this email and date of birth, or a new one.

    A public form must not let a visitor change a stranger's record, so a match keeps its
    stored contact details; staff update those. Callers never tell the visitor which path
    was taken.
    """
    existing = (
        Patient.objects.filter(
            email__iexact=email.strip(), date_of_birth=date_of_birth, is_archived=False
        )
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing
    patient = Patient(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        phone=phone,
        date_of_birth=date_of_birth,
    )
    patient.full_clean()
    patient.save()
    return patient
