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
from billing.models.packages import (
    Package,
    PackageStatus,
    PackageType,
    PackageUse,
    RefundRule,
    ValidityUnit,
    credit_value,
)
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
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Package",
    "PackageStatus",
    "PackageType",
    "PackageUse",
    "Payer",
    "PayerKind",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "ProviderEvent",
    "Refund",
    "RefundMethod",
    "RefundRule",
    "ValidityUnit",
    "VatStatus",
    "credit_value",
]
