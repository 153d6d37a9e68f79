"""Selling gift vouchers: at the desk or on the public page, always as an issued invoice
the buyer pays like any other ("Gift voucher", outside the scope of VAT: decision 0106).
The code is given out only once that invoice is paid (billing.services.vouchers)."""

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import GiftVoucher, VatStatus, VoucherTerms
from billing.services.amounts import checked_amount
from billing.services.errors import BillingError
from billing.services.invoices import LineInput, invoice_draft, invoice_issue
from clinic.money import format_money
from patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day when it has no such day (a
    voucher sold on 31 January expires on the last day of February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def expiry_of(now: dt.datetime, *, terms: VoucherTerms) -> dt.date:
    """The terms' months from the day of sale, in the clinic's zone. The voucher keeps
    this date: the manager changing the terms later never moves it."""
    return add_months(timezone.localdate(now), terms.valid_months)


def checked_voucher_amount(amount: Decimal, *, terms: VoucherTerms) -> Decimal:
    amount = checked_amount(amount)
    low, high = terms.min_amount, terms.max_amount
    if not low <= amount <= high:
        raise BillingError(
            f"A gift voucher is for {format_money(low)} to {format_money(high)}.",
            code="voucher_amount",
        )
    return amount


def voucher_sell(
    *,
    buyer: Patient,
    amount: Decimal,
    recipient_name: str,
    recipient_email: str,
    message: str,
    sold_by: "StaffUser | None",
    now: dt.datetime,
    idempotency_key: str | None = None,
) -> GiftVoucher:
    """A voucher and its issued sale invoice (the buyer's), all or nothing; the buyer
    then pays the invoice at the desk or online. The same `idempotency_key` again (a
    double click) answers the first voucher. `sold_by` is None for a sale online. Nothing
    is scheduled for its expiry: a nightly job marks vouchers past their date
    (billing.periodic.expire_vouchers), and one past its date is refused before that."""
    terms = VoucherTerms.load()
    amount = checked_voucher_amount(amount, terms=terms)
    if idempotency_key:
        earlier = GiftVoucher.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier
    try:
        with transaction.atomic():
            line = LineInput(
                description=f"Gift voucher {format_money(amount)} for {recipient_name}"[:200],
                unit_price=amount,
                vat_status=VatStatus.OUTSIDE_SCOPE,
            )
            # Online, no one at the desk drafts or issues it: both are left empty.
            draft = invoice_draft(patient=buyer, lines=[line], created_by=sold_by)
            invoice = invoice_issue(
                invoice=draft,
                issued_by=sold_by,
                now=now,
                notify_patient=False,
            )
            voucher = GiftVoucher(
                amount=amount,
                currency=settings.CLINIC_CURRENCY,
                buyer=buyer,
                recipient_name=recipient_name.strip(),
                recipient_email=recipient_email.strip(),
                message=message.strip(),
                sale_invoice=invoice,
                issued_at=now,
                expires_on=expiry_of(now, terms=terms),
                idempotency_key=idempotency_key or None,
            )
            voucher.full_clean(exclude=["buyer", "sale_invoice"])
            voucher.save()
    except ValidationError as error:
        raise BillingError(" ".join(error.messages), code="invalid") from None
    except IntegrityError:
        earlier = GiftVoucher.objects.filter(idempotency_key=idempotency_key).first()
        if idempotency_key and earlier is not None:
            return earlier
        raise
    return voucher
