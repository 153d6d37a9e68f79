"""Billing's answers to other apps' events, connected in BillingConfig.ready(). Each
receiver is one call of a service: the rules live there."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from billing.services import deposits
from billing.services.fees import fee_propose
from billing.services.packages import package_credit_draw
from billing.services.voucher_returns import voucher_give_back
from booking.models import Appointment, AppointmentStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


def propose_fee(*, appointment: Appointment, now: dt.datetime, **_kwargs: Any) -> None:
    """A no-show or a late cancellation proposes its fee to the desk (decision 0104)."""
    fee_propose(appointment=appointment, now=now)


def give_deposit_back(*, appointment: Appointment, **_kwargs: Any) -> None:
    """A cancellation in time gives back what was paid at online booking (decision 0103)."""
    deposits.appointment_status_changed(appointment=appointment)


def give_voucher_back(
    *,
    appointment: Appointment,
    now: dt.datetime,
    by: "StaffUser | None" = None,
    **_kwargs: Any,
) -> None:
    """A cancellation in time puts a voucher spent at online booking back on the voucher
    (decision 0106)."""
    if appointment.status == AppointmentStatus.CANCELLED:
        voucher_give_back(appointment=appointment, now=now, by=by)


def draw_package_credit(
    *, appointment: Appointment, previous: str, now: dt.datetime, **_kwargs: Any
) -> None:
    """A completed session draws a credit of the patient's package (decision 0105)."""
    if appointment.status == AppointmentStatus.COMPLETED and previous != appointment.status:
        package_credit_draw(appointment=appointment, now=now)
