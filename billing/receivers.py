"""Billing's answers to other apps' events, connected in BillingConfig.ready(). Each
receiver is one call of a service: the rules live there."""

import datetime as dt
from typing import Any

from billing.services import deposits
from billing.services.fees import fee_propose
from billing.services.packages import package_credit_draw
from booking.models import Appointment, AppointmentStatus


def propose_fee(*, appointment: Appointment, now: dt.datetime, **_kwargs: Any) -> None:
    """A no-show or a late cancellation proposes its fee to the desk (decision 0104)."""
    fee_propose(appointment=appointment, now=now)


def give_deposit_back(*, appointment: Appointment, **_kwargs: Any) -> None:
    """A cancellation in time gives back what was paid at online booking (decision 0103)."""
    deposits.appointment_status_changed(appointment=appointment)


def draw_package_credit(
    *, appointment: Appointment, previous: str, now: dt.datetime, **_kwargs: Any
) -> None:
    """A completed session draws a credit of the patient's package (decision 0105)."""
    if appointment.status == AppointmentStatus.COMPLETED and previous != appointment.status:
        package_credit_draw(appointment=appointment, now=now)
