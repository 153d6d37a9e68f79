"""Billing models, by sub-domain; importable from ``billing.models`` as one namespace."""

from billing.models.cash_ups import CashUp, CashUpLine
from billing.models.credit_notes import CreditNote, CreditNoteLine
from billing.models.invoices import (
    INVOICEABLE_STATUSES,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    VatStatus,
)
from billing.models.online import CheckoutAttempt, CheckoutStatus, ProviderEvent
from billing.models.payers import Payer, PayerKind
from billing.models.payments import (
    DESK_METHODS,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Refund,
    RefundMethod,
)
from billing.models.sequences import DocumentKind, DocumentSequence
from billing.models.vouchers import GiftVoucher, VoucherRedemption, VoucherStatus

__all__ = [
    "DESK_METHODS",
    "INVOICEABLE_STATUSES",
    "CashUp",
    "CashUpLine",
    "CheckoutAttempt",
    "CheckoutStatus",
    "CreditNote",
    "CreditNoteLine",
    "DocumentKind",
    "DocumentSequence",
    "GiftVoucher",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Payer",
    "PayerKind",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "ProviderEvent",
    "Refund",
    "RefundMethod",
    "VatStatus",
    "VoucherRedemption",
    "VoucherStatus",
]
