"""Who may read a patient's clinical record (notes, needling logs, adverse events, scores).

The one rule, used by every clinical page: the manager (and superusers) read every
record; a practitioner reads the records of patients they treat (an appointment with
them, past or booked, or named on an episode), or every patient's when the clinic sets
CLINIC_PRACTITIONERS_SEE_ALL; the front desk never.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q

from patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as StaffUser


def can_read_clinical(user: "StaffUser | AnonymousUser", patient: Patient) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.has_perm("patients.view_all_clinical"):
        return True
    if not user.has_perm("patients.view_clinical"):
        return False
    if settings.CLINIC_PRACTITIONERS_SEE_ALL:
        return True
    return (
        Patient.objects.filter(pk=patient.pk)
        .filter(Q(appointments__practitioner__user=user) | Q(episodes__practitioners=user))
        .exists()
    )


def readable_patients(user: "StaffUser") -> Q | None:
    """A filter on Patient for the records `user` may read (None: every record), for
    lists that span patients. Mirrors can_read_clinical."""
    if user.is_superuser or user.has_perm("patients.view_all_clinical"):
        return None
    if not user.has_perm("patients.view_clinical"):
        return Q(pk__in=[])
    if settings.CLINIC_PRACTITIONERS_SEE_ALL:
        return None
    return Q(appointments__practitioner__user=user) | Q(episodes__practitioners=user)
