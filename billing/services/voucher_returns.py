"""A gift voucher spent at online booking comes back whole when the appointment is
cancelled in time (decision 0106).

What is left of the voucher payment towards the appointment (not yet put against an
invoice, not given back before) is recorded as a Refund of method "voucher" naming that
payment: payments and refunds are never changed, so giving back is one more row, which
takes the amount out of the patient's credit (billing.selectors.patient_credit subtracts
refunds with no credit note) and puts it back into the voucher's balance
(billing.selectors.vouchers). No money leaves the clinic: takings leave these refunds out.

A late cancellation or a no-show keeps the voucher payment as the patient's credit, to go
towards the fee's invoice, as a deposit does. An expired voucher takes the money back all
the same, and stays expired: its terms, not the cancellation, decide whether it can still
be spent.

Once: under the patient's lock, then each voucher's (the lock order of
billing.services.vouchers), what is left is read after the locks, and the refund's key is
the payment's, so a second signal or a replay gives back nothing more."""

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum

from billing.arithmetic import ZERO
from billing.models import GiftVoucher, Payment, PaymentMethod, Refund, RefundMethod
from billing.services.locks import lock_patient
from booking.models import Appointment, AppointmentStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


def refund_key(payment_id: int) -> str:
    return f"voucher-back-{payment_id}"


@transaction.atomic
def voucher_give_back(
    *, appointment: Appointment, now: dt.datetime, by: "StaffUser | None" = None
) -> list[Refund]:
    """Put back on its voucher what is left of each voucher payment towards the
    appointment, if the appointment is cancelled in time; the refunds recorded now (none
    for a late cancellation, a no-show, an appointment paid by no voucher, or a second
    call). `by` is who cancelled (None for the patient or the system)."""
    payment_ids = list(
        Payment.objects.filter(appointment=appointment, method=PaymentMethod.VOUCHER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not payment_ids:
        return []
    lock_patient(appointment.patient_id)
    # Read after the lock: the caller's copy may be stale for a replay.
    status = Appointment.objects.values_list("status", flat=True).get(pk=appointment.pk)
    if status != AppointmentStatus.CANCELLED:
        return []
    payments = list(
        Payment.objects.filter(pk__in=payment_ids)
        .select_related("voucher_redemption")
        .order_by("pk")
    )
    voucher_ids = sorted({p.voucher_redemption.voucher_id for p in payments})
    # Each voucher's row lock, in id order, after the patient's: a desk spending the same
    # voucher meanwhile reads its balance after this gives back.
    list(GiftVoucher.objects.select_for_update().filter(pk__in=voucher_ids).order_by("pk"))
    given = []
    for payment in payments:
        key = refund_key(payment.pk)
        if Refund.objects.filter(idempotency_key=key).exists():
            continue
        back = payment.refunds.aggregate(s=Sum("amount"))["s"] or ZERO
        used = payment.allocations.aggregate(s=Sum("amount"))["s"] or ZERO
        left = payment.amount - back - used
        if left <= 0:
            continue
        given.append(
            Refund.objects.create(
                patient_id=payment.patient_id,
                method=RefundMethod.VOUCHER,
                payment=payment,
                amount=left,
                currency=payment.currency,
                refunded_at=now,
                refunded_by=by,
                reference=f"Cancelled in time: {appointment.reference}",
                idempotency_key=key,
            )
        )
    return given
