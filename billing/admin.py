"""Billing in the admin: payers are edited here (by the manager); invoices, credit notes,
payments and refunds are shown, never added, changed or deleted (the billing pages and
services write them, and the database refuses changes once issued)."""

from django.contrib import admin

from billing.models import (
    CashUp,
    CashUpLine,
    CheckoutAttempt,
    CreditNote,
    CreditNoteLine,
    DocumentSequence,
    GiftVoucher,
    Invoice,
    InvoiceLine,
    Payer,
    Payment,
    PaymentAllocation,
    ProviderEvent,
    Refund,
    VoucherRedemption,
)
from clinic.admin_mixins import ReadOnlyAdmin
from patients.admin import AccessLoggedAdmin


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "provider_number", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "provider_number"]


class InvoiceLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = InvoiceLine
    fields = readonly_fields = (
        "description",
        "quantity",
        "unit_price",
        "vat_status",
        "vat_rate",
        "nominal_code",
        "net",
        "tax",
        "gross",
    )
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    access_record = "invoice"
    list_display = ["__str__", "patient", "payer", "status", "issued_at", "total"]
    list_filter = ["status", "payer"]
    list_select_related = ["patient", "payer"]
    search_fields = ["number", "patient__first_name", "patient__last_name"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "number",
        "status",
        "patient",
        "payer",
        "policy_number",
        "authorisation_number",
        "issued_at",
        "issued_by",
        "due_on",
        "currency",
        "net_total",
        "tax_total",
        "total",
        "notes",
        "created_by",
        "created_at",
    )
    inlines = [InvoiceLineInline]


class CreditNoteLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = CreditNoteLine
    fields = readonly_fields = ("description", "invoice_line", "net", "tax", "gross")
    extra = 0


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    access_record = "credit note"
    patient_field = "invoice__patient"
    list_display = ["number", "invoice", "issued_at", "total", "reason"]
    list_select_related = ["invoice"]
    search_fields = ["number", "invoice__number"]
    fields = readonly_fields = (
        "number",
        "invoice",
        "reason",
        "issued_at",
        "issued_by",
        "net_total",
        "tax_total",
        "total",
    )
    inlines = [CreditNoteLineInline]


class AllocationInline(ReadOnlyAdmin, admin.TabularInline):
    model = PaymentAllocation
    fields = readonly_fields = ("invoice", "amount", "allocated_at", "allocated_by")
    extra = 0


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    access_record = "payment"
    list_display = ["received_at", "patient", "method", "amount", "taken_by", "reference"]
    list_filter = ["method"]
    list_select_related = ["patient", "taken_by"]
    search_fields = ["reference", "provider_reference", "patient__last_name"]
    date_hierarchy = "received_at"
    fields = readonly_fields = (
        "patient",
        "method",
        "amount",
        "currency",
        "received_at",
        "taken_by",
        "reference",
        "provider_reference",
    )
    inlines = [AllocationInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    access_record = "refund"
    list_display = ["refunded_at", "patient", "method", "amount", "credit_note", "refunded_by"]
    list_filter = ["method"]
    list_select_related = ["patient", "credit_note", "refunded_by"]
    fields = readonly_fields = (
        "patient",
        "credit_note",
        "method",
        "amount",
        "currency",
        "refunded_at",
        "refunded_by",
        "reference",
        "payment",
        "provider_reference",
    )


@admin.register(CheckoutAttempt)
class CheckoutAttemptAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    """The payment pages opened for invoices: what was asked, and what became of it."""

    access_record = "online payment"
    patient_field = "invoice__patient"
    list_display = ["created_at", "invoice", "amount", "currency", "status"]
    list_filter = ["status"]
    list_select_related = ["invoice"]
    search_fields = ["session_id", "payment_intent", "invoice__number"]
    fields = readonly_fields = (
        "invoice",
        "session_id",
        "amount",
        "currency",
        "status",
        "created_at",
        "expires_at",
        "payment_intent",
    )


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Every webhook event of the payment provider and what the clinic did with it: the
    first place to look when a payment does not show."""

    list_display = ["received_at", "type", "object_id", "outcome", "processed_at"]
    list_filter = ["type"]
    search_fields = ["event_id", "object_id", "payment_intent"]
    fields = readonly_fields = (
        "event_id",
        "type",
        "object_id",
        "payment_intent",
        "received_at",
        "processed_at",
        "outcome",
        "payload",
    )


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The last numbers given, for the manager's and the accountant's checks."""

    list_display = ["kind", "last_number"]
    fields = readonly_fields = ("kind", "last_number")


class CashUpLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = CashUpLine
    fields = readonly_fields = ("method", "expected", "counted", "difference")


@admin.register(CashUp)
class CashUpAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The desks' closed days, as closed (no patient data: no access log)."""

    list_display = ["day", "location", "closed_by", "closed_at"]
    list_filter = ["location"]
    date_hierarchy = "day"
    fields = readonly_fields = ("location", "day", "closed_by", "closed_at", "note")
    inlines = [CashUpLineInline]


class VoucherRedemptionInline(ReadOnlyAdmin, admin.TabularInline):
    model = VoucherRedemption
    fields = readonly_fields = ("at", "amount", "payment")
    extra = 0


@admin.register(GiftVoucher)
class GiftVoucherAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    """Vouchers as sold and spent; the code is never here (only its last four characters):
    the desk's voucher pages sell, send and spend them."""

    access_record = "gift voucher"
    patient_field = "buyer"
    list_display = ["issued_at", "code_last4", "recipient_name", "amount", "expires_on", "status"]
    list_filter = ["status"]
    search_fields = ["code_last4", "recipient_name", "recipient_email"]
    fields = readonly_fields = (
        "amount",
        "currency",
        "code_last4",
        "code_sent_at",
        "buyer",
        "recipient_name",
        "recipient_email",
        "message",
        "sale_invoice",
        "issued_at",
        "expires_on",
        "status",
    )
    inlines = [VoucherRedemptionInline]
