"""Gift vouchers: the code, checking a code typed in, and spending a voucher on an invoice
at the desk or on a session booked online (decision 0106). Selling one is
billing.services.voucher_sales.

A code is 16 characters of Crockford's base 32 (no I, L, O or U: 80 random bits), shown in
groups of four. Only its keyed hash is stored, so the code is made when it is given out
(emailed once the sale is paid, or shown once at the desk) and a new one replaces it.

A voucher is spent by a Payment of method "voucher" (with its VoucherRedemption): on an
invoice, or towards an appointment, which its invoice then takes when issued
(billing.services.invoices.invoice_issue). The balance is the amount less the redemptions,
checked under the voucher's row lock, taken after the patient's and the invoice's (the
lock order of billing.services.locks): two desks spending one voucher at once are served
one after the other, and the second sees what the first left."""

import datetime as dt
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from billing.models import (
    GiftVoucher,
    Payment,
    PaymentMethod,
    VoucherRedemption,
    VoucherStatus,
)
from billing.selectors.vouchers import VoucherFigures, voucher_figures
from billing.services.amounts import checked_amount
from billing.services.errors import BillingError
from billing.services.locks import lock_patient
from billing.services.payments import Allocation, _allocate, _owed
from booking.models import Appointment
from clinic import ratelimit
from clinic.money import format_money
from patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

# Crockford's base 32: digits and letters but I, L, O and U, so nothing reads as another.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 bits
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SALT = "billing.vouchers.code"

# What the public pages answer for any code that cannot be used: unknown, mistyped,
# expired, unpaid or spent alike, so a guess learns nothing.
NOT_VALID = "That code is not valid or has no balance left."

# A desk's own tries in an hour: generous, as the desk types codes people hand over.
STAFF_TRIES_PER_HOUR = 60


def code_new() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return code_display(raw)


def code_display(code: str) -> str:
    """XXXX-XXXX-XXXX-XXXX."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_normalised(code: str) -> str:
    """The code as typed, without spaces or dashes, in capitals, O read as 0 and I or L
    as 1 (Crockford's rule); empty if it cannot be a code."""
    kept = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_READ_AS)
    if len(kept) != CODE_LENGTH or any(ch not in ALPHABET for ch in kept):
        return ""
    return kept


def code_hash(code: str, *, secret: str | bytes | None = None) -> str:
    """HMAC-SHA256 of the normalised code, keyed by SECRET_KEY: the table alone gives no
    code, nor lets one be checked without the key."""
    return salted_hmac(_SALT, code, secret=secret, algorithm="sha256").hexdigest()


def _hashes(code: str) -> list[str]:
    """The code's hash under the key and every fallback, so rotating SECRET_KEY (with the
    old one in SECRET_KEY_FALLBACKS) keeps codes working."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [code_hash(code, secret=key) for key in keys]


def voucher_find(code: str) -> GiftVoucher | None:
    """The voucher with this code, whatever its state (one query); None for anything else."""
    normalised = code_normalised(code)
    if not normalised:
        return None
    return GiftVoucher.objects.filter(code_hash__in=_hashes(normalised)).first()


def tries_allowed(*, code: str, ip: str, now: dt.datetime, user_id: int | None = None) -> bool:
    """Count one try of a code against the visitor's address and the code's first four
    characters (CLINIC_VOUCHER_TRIES_PER_IP an hour each); a desk's tries count against
    its account instead. False, counting nothing, once over."""
    prefix = code_normalised(code)[:4] or "none"
    if user_id is not None:
        limits = {ratelimit.key("voucher-staff", str(user_id)): STAFF_TRIES_PER_HOUR}
    else:
        per_ip = settings.CLINIC_VOUCHER_TRIES_PER_IP
        limits = {
            ratelimit.key("voucher-ip", ip): per_ip,
            ratelimit.key("voucher-prefix", prefix): per_ip,
        }
    return ratelimit.allow(limits, now=now, window=ratelimit.PUBLIC_WINDOW)


def _refusal(figures: VoucherFigures, voucher: GiftVoucher, *, now: dt.datetime) -> None:
    """Why the voucher cannot be spent now, in the desk's words (public pages answer
    NOT_VALID whatever the reason)."""
    today = timezone.localdate(now)
    if not figures.paid:
        raise BillingError("This voucher's sale is not paid yet.", code="voucher_unpaid")
    if figures.expired(today):
        raise BillingError(
            f"This voucher expired on {voucher.expires_on:%d %b %Y}.", code="voucher_expired"
        )
    if figures.balance <= 0:
        raise BillingError("This voucher has no balance left.", code="voucher_used_up")


def voucher_usable(*, code: str, now: dt.datetime) -> tuple[GiftVoucher, Decimal]:
    """The voucher of this code and its balance, if it can be spent now; else
    BillingError (code "voucher_unknown" when no voucher has it)."""
    voucher = voucher_find(code)
    if voucher is None:
        raise BillingError(NOT_VALID, code="voucher_unknown")
    figures = voucher_figures(voucher)
    _refusal(figures, voucher, now=now)
    return voucher, figures.balance


def _lock_voucher(voucher_id: int) -> GiftVoucher:
    return GiftVoucher.objects.select_for_update().get(pk=voucher_id)


def _redeem(
    *,
    voucher_id: int,
    patient: Patient,
    amount: Decimal,
    now: dt.datetime,
    by: "StaffUser | None",
    appointment: Appointment | None = None,
) -> tuple[GiftVoucher, Payment, VoucherRedemption]:
    """Spend `amount` of the voucher as a payment of the patient's. The caller holds the
    patient's lock (and the invoice's); the voucher's is taken here, and its balance read
    after it, so it is never spent below zero."""
    voucher = _lock_voucher(voucher_id)
    figures = voucher_figures(voucher)
    _refusal(figures, voucher, now=now)
    if amount > figures.balance:
        raise BillingError(
            f"The voucher has only {format_money(figures.balance)} left.",
            code="voucher_short",
        )
    payment = Payment.objects.create(
        patient=patient,
        method=PaymentMethod.VOUCHER,
        amount=amount,
        currency=voucher.currency,
        received_at=now,
        taken_by=by,
        reference=f"Gift voucher …{voucher.code_last4}",
        appointment=appointment,
    )
    redemption = VoucherRedemption.objects.create(
        voucher=voucher, payment=payment, amount=amount, at=now
    )
    return voucher, payment, redemption


@transaction.atomic
def voucher_redeem_on_invoice(
    *,
    code: str,
    invoice_id: int,
    patient: Patient,
    amount: Decimal,
    by: "StaffUser | None",
    now: dt.datetime,
) -> VoucherRedemption:
    """The desk spends part of a voucher on one of the patient's issued invoices: never
    more than the voucher's balance nor the invoice's outstanding amount."""
    amount = checked_amount(amount)
    found = voucher_find(code)
    if found is None:
        raise BillingError(NOT_VALID, code="voucher_unknown")
    lock_patient(patient.pk)
    balances = _owed(patient, [invoice_id])
    outstanding = balances[invoice_id].outstanding
    if amount > outstanding:
        raise BillingError(
            f"That is more than the invoice's outstanding {format_money(outstanding)}.",
            code="over_owed",
        )
    _, payment, redemption = _redeem(
        voucher_id=found.pk, patient=patient, amount=amount, now=now, by=by
    )
    _allocate(
        payment=payment,
        allocations=[Allocation(invoice_id, amount)],
        balances=balances,
        allocated_by=by,
        now=now,
    )
    return redemption


def voucher_apply_at_booking(
    *, appointment: Appointment, code: str, now: dt.datetime
) -> VoucherRedemption | None:
    """Spend the voucher towards an appointment just booked online, up to the service's
    price: a payment with `appointment` set, which the session's invoice takes when it is
    issued. Called in the booking's transaction, so a refusal books nothing. No code, no
    redemption (None); the same appointment again answers its first redemption (a
    repeated submission finds the booking already made)."""
    if not code.strip():
        return None
    earlier = (
        VoucherRedemption.objects.select_related("voucher", "payment")
        .filter(payment__appointment=appointment)
        .first()
    )
    if earlier is not None:
        return earlier
    found = voucher_find(code)
    if found is None:
        raise BillingError(NOT_VALID, code="voucher_unknown")
    with transaction.atomic():
        patient = lock_patient(appointment.patient_id)
        balance = voucher_figures(found).balance
        price = Decimal(appointment.service.price)
        amount = min(balance, price)
        if amount <= 0:
            # Free sessions take nothing; a spent voucher is refused as any other.
            if price <= 0:
                return None
            raise BillingError(NOT_VALID, code="voucher_used_up")
        _, _, redemption = _redeem(
            voucher_id=found.pk,
            patient=patient,
            amount=amount,
            now=now,
            by=None,
            appointment=appointment,
        )
        return redemption


@transaction.atomic
def voucher_code_issue(*, voucher: GiftVoucher, now: dt.datetime, code: str = "") -> str:
    """Give the voucher its code (a new one replaces any given before) and answer it:
    the only moment the code exists outside the recipient's hands. Refused until the sale
    is paid. `code` is for the demo's known voucher alone."""
    locked = _lock_voucher(voucher.pk)
    if not voucher_figures(locked).paid:
        raise BillingError("This voucher's sale is not paid yet.", code="voucher_unpaid")
    normalised = code_normalised(code) if code else code_normalised(code_new())
    if not normalised:
        raise BillingError("That is not a voucher code.", code="voucher_code")
    locked.code_hash = code_hash(normalised)
    locked.code_last4 = normalised[-4:]
    locked.code_sent_at = now
    locked.save(update_fields=["code_hash", "code_last4", "code_sent_at"])
    voucher.code_hash, voucher.code_last4 = locked.code_hash, locked.code_last4
    voucher.code_sent_at = now
    return code_display(normalised)


def vouchers_expire(*, now: dt.datetime) -> int:
    """Mark the vouchers past their expiry day expired; how many. What was left on them
    leaves the liabilities then (voucher_liabilities reads the date, so the report is right
    even before this runs)."""
    today = timezone.localdate(now)
    return GiftVoucher.objects.filter(status=VoucherStatus.ISSUED, expires_on__lt=today).update(
        status=VoucherStatus.EXPIRED
    )
