"""Reads of gift vouchers: the balance (always derived from the redemptions and what came
back on the voucher from sessions cancelled in time), whether the sale was paid, the
staff list, and what the clinic owes on vouchers (decision 0106)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone

from billing.arithmetic import ZERO
from billing.models import (
    CreditNote,
    GiftVoucher,
    InvoiceStatus,
    PaymentAllocation,
    Refund,
    RefundMethod,
    VoucherRedemption,
    VoucherStatus,
)
from billing.selectors import InvoiceBalance, MoneyState, _sum_of


def with_voucher_figures(
    vouchers: QuerySet[GiftVoucher], *, at: dt.datetime | None = None
) -> QuerySet[GiftVoucher]:
    """Vouchers with `redeemed`, `returned` (refunds back on the voucher) and their sale
    invoice's `sale_credited`, `sale_paid` and `sale_refunded` annotated (as recorded
    until `at`, if given): read them with VoucherFigures.of. One query, whatever the
    number of vouchers."""
    until = Q() if at is None else Q(at__lte=at)
    allocated = Q() if at is None else Q(allocated_at__lte=at)
    credited = Q() if at is None else Q(issued_at__lte=at)
    refunded = Q() if at is None else Q(refunded_at__lte=at)
    return vouchers.select_related("sale_invoice").annotate(
        redeemed=_sum_of(
            VoucherRedemption.objects.filter(until, voucher=OuterRef("pk")),
            group="voucher",
            field="amount",
        ),
        returned=_sum_of(
            Refund.objects.filter(
                refunded,
                method=RefundMethod.VOUCHER,
                payment__voucher_redemption__voucher=OuterRef("pk"),
            ),
            group="payment__voucher_redemption__voucher",
            field="amount",
        ),
        sale_credited=_sum_of(
            CreditNote.objects.filter(credited, invoice=OuterRef("sale_invoice")),
            group="invoice",
            field="total",
        ),
        sale_paid=_sum_of(
            PaymentAllocation.objects.filter(allocated, invoice=OuterRef("sale_invoice")),
            group="invoice",
            field="amount",
        ),
        sale_refunded=_sum_of(
            Refund.objects.filter(refunded, credit_note__invoice=OuterRef("sale_invoice")),
            group="credit_note__invoice",
            field="amount",
        ),
    )


@dataclass(frozen=True)
class VoucherFigures:
    """A voucher's money: what is left on it, and whether its sale was paid. `returned` is
    what came back on it from sessions cancelled in time (billing.services.voucher_returns)."""

    amount: Decimal
    redeemed: Decimal
    returned: Decimal
    sale: InvoiceBalance
    expires_on: dt.date
    expired_status: bool

    @classmethod
    def of(cls, voucher: GiftVoucher) -> "VoucherFigures":
        invoice = voucher.sale_invoice
        return cls(
            amount=voucher.amount,
            redeemed=voucher.redeemed,  # type: ignore[attr-defined]
            returned=voucher.returned,  # type: ignore[attr-defined]
            sale=InvoiceBalance(
                issued=invoice.status == InvoiceStatus.ISSUED,
                total=invoice.total if invoice.total is not None else ZERO,
                credited=voucher.sale_credited,  # type: ignore[attr-defined]
                paid=voucher.sale_paid,  # type: ignore[attr-defined]
                refunded=voucher.sale_refunded,  # type: ignore[attr-defined]
            ),
            expires_on=voucher.expires_on,
            expired_status=voucher.status == VoucherStatus.EXPIRED,
        )

    @property
    def balance(self) -> Decimal:
        """Never below zero: every redemption is checked against it under the voucher's
        lock (billing.services.vouchers), and what comes back is at most what a redemption
        took."""
        return max(ZERO, self.amount - self.redeemed + self.returned)

    @property
    def paid(self) -> bool:
        return self.sale.state == MoneyState.PAID

    def expired(self, today: dt.date) -> bool:
        return self.expired_status or today > self.expires_on

    def state(self, today: dt.date) -> str:
        """In words, for the staff pages."""
        if not self.paid:
            return "Credited" if self.sale.state == MoneyState.CREDITED else "Awaiting payment"
        if self.expired(today):
            return "Expired"
        return "Used up" if self.balance <= 0 else "Active"


def voucher_figures(voucher: GiftVoucher) -> VoucherFigures:
    """One voucher's figures (one query)."""
    return VoucherFigures.of(with_voucher_figures(GiftVoucher.objects.filter(pk=voucher.pk)).get())


def voucher_list(*, search: str = "", limit: int = 200) -> list[GiftVoucher]:
    """The vouchers, newest first, each with `.figures`; `search` matches the code's last
    four characters or the recipient's name or email (one query)."""
    vouchers = GiftVoucher.objects.all()
    term = search.strip()
    if term:
        vouchers = vouchers.filter(
            Q(code_last4__iexact=term[-4:])
            | Q(recipient_name__icontains=term)
            | Q(recipient_email__icontains=term)
        )
    found = list(with_voucher_figures(vouchers)[:limit])
    for voucher in found:
        voucher.figures = VoucherFigures.of(voucher)  # type: ignore[attr-defined]
    return found


def voucher_liabilities(*, at: dt.datetime) -> Decimal:
    """What the clinic owes on gift vouchers at `at`: the balances of vouchers sold and
    paid for by then and not yet expired (their expiry day in the clinic's zone), as
    recorded until then. One query."""
    today = timezone.localdate(at)
    vouchers = with_voucher_figures(
        GiftVoucher.objects.filter(issued_at__lte=at, expires_on__gte=today), at=at
    )
    owed = ZERO
    for voucher in vouchers:
        figures = VoucherFigures.of(voucher)
        if figures.paid:
            owed += figures.balance
    return owed
