"""Billing models, by sub-domain; importable from ``billing.models`` as one namespace."""

from billing.models.cards import (
    CancellationTerms,
    CardSetup,
    CardSetupStatus,
    CardSource,
    FeeBasis,
    FeeKind,
    SavedCard,
)
from billing.models.cash_ups import CashUp, CashUpLine
from billing.models.checkouts import BookingCheckout, BookingCheckoutStatus, CheckoutKind
from billing.models.credit_notes import CreditNote, CreditNoteLine
from billing.models.fees import FeeProposal, FeeStatus
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
from billing.models.policies import PaymentPolicy, PolicyKind, PolicyPatients
from billing.models.sequences import DocumentKind, DocumentSequence
from billing.models.vouchers import GiftVoucher, VoucherRedemption, VoucherStatus, VoucherTerms

__all__ = [
    "DESK_METHODS",
    "INVOICEABLE_STATUSES",
    "BookingCheckout",
    "BookingCheckoutStatus",
    "CancellationTerms",
    "CardSetup",
    "CardSetupStatus",
    "CardSource",
    "CashUp",
    "CashUpLine",
    "CheckoutAttempt",
    "CheckoutKind",
    "CheckoutStatus",
    "CreditNote",
    "CreditNoteLine",
    "DocumentKind",
    "DocumentSequence",
    "FeeBasis",
    "FeeKind",
    "FeeProposal",
    "FeeStatus",
    "GiftVoucher",
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
    "PaymentPolicy",
    "PolicyKind",
    "PolicyPatients",
    "ProviderEvent",
    "Refund",
    "RefundMethod",
    "RefundRule",
    "SavedCard",
    "ValidityUnit",
    "VatStatus",
    "VoucherRedemption",
    "VoucherStatus",
    "VoucherTerms",
    "credit_value",
]
