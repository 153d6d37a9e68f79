"""What a patient is asked to pay (or save) when booking online: the clinic's payment
policies read for one booking (decision 0103)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from billing.arithmetic import ZERO, to_pennies
from billing.models import CheckoutKind, PaymentPolicy, PolicyKind, PolicyPatients
from booking.models import Appointment, AppointmentStatus, Service
from clinic.models import Location
from patients.models import Patient

NOTHING = "nothing"

# Appointments that make a patient a returning one: they came.
ATTENDED = [AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN]


@dataclass(frozen=True)
class Requirement:
    """``kind``: "nothing" or a CheckoutKind value; ``amount`` to charge now (zero for
    nothing and for a card saved without a charge), in ``currency``."""

    kind: str
    amount: Decimal
    currency: str
    policy: PaymentPolicy | None = None

    @property
    def needed(self) -> bool:
        return self.kind != NOTHING


def is_new_patient(
    patient_or_details: Patient | dict[str, str] | None, *, now: dt.datetime
) -> bool:
    """Whether the patient has never come before: no completed or checked-in appointment
    before ``now``. Details (the booking pages' form) are matched as the booking matches
    them (patients.services.patient_find_or_create: email and date of birth); a visitor
    nobody knows is new."""
    patient: Patient | None
    if isinstance(patient_or_details, dict):
        patient = (
            Patient.objects.filter(
                email__iexact=patient_or_details["email"].strip(),
                date_of_birth=dt.date.fromisoformat(patient_or_details["date_of_birth"]),
                is_archived=False,
            )
            .order_by("id")
            .first()
        )
    else:
        patient = patient_or_details
    if patient is None:
        return True
    return not Appointment.objects.filter(
        patient=patient, status__in=ATTENDED, start__lt=now
    ).exists()


def matching_policy(
    *, service: Service, location: Location, new_patient: bool
) -> PaymentPolicy | None:
    """The most specific rule: service and location, then service, then location, then
    clinic-wide; at the same level, a rule for this patient's group (new or returning)
    wins over one for all patients."""
    group = PolicyPatients.NEW if new_patient else PolicyPatients.RETURNING
    rules = PaymentPolicy.objects.filter(
        Q(service=service) | Q(service__isnull=True),
        Q(location=location) | Q(location__isnull=True),
        patients__in=[PolicyPatients.ALL, group],
    )

    def rank(rule: PaymentPolicy) -> tuple[int, int, int]:
        return (
            rule.service_id is not None,
            rule.location_id is not None,
            rule.patients != PolicyPatients.ALL,
        )

    return max(rules, key=rank, default=None)


def payment_required(
    *,
    service: Service,
    location: Location,
    patient_or_details: Patient | dict[str, str] | None,
    now: dt.datetime,
) -> Requirement:
    """What this booking asks for at online booking, from the service's price on the
    server (never from anything the browser sends). A deposit is never more than the
    price; a free session asks for no money (a card may still be saved). With online
    payments off (CLINIC_ONLINE_PAYMENTS) nothing is asked: booking works as before."""
    currency = settings.CLINIC_CURRENCY
    if not settings.CLINIC_ONLINE_PAYMENTS:
        return Requirement(NOTHING, ZERO, currency)
    new = is_new_patient(patient_or_details, now=now)
    policy = matching_policy(service=service, location=location, new_patient=new)
    if policy is None or policy.kind == PolicyKind.NOTHING:
        return Requirement(NOTHING, ZERO, currency, policy)
    if policy.kind == PolicyKind.CARD:
        return Requirement(CheckoutKind.CARD, ZERO, currency, policy)
    price = Decimal(service.price)  # a fresh instance may still hold the string it was given
    kind = CheckoutKind.DEPOSIT
    if policy.kind == PolicyKind.PREPAYMENT:
        amount, kind = price, CheckoutKind.PREPAYMENT
    elif policy.kind == PolicyKind.DEPOSIT_PERCENT:
        assert policy.percent is not None  # the database's constraint
        amount = to_pennies(price * policy.percent / Decimal(100))
    else:
        assert policy.amount is not None  # the database's constraint
        amount = min(policy.amount, price)
    if amount <= 0:
        return Requirement(NOTHING, ZERO, currency, policy)
    return Requirement(kind, amount, currency, policy)
