"""Billing in the admin: payers are edited here (by the manager); invoices, credit notes,
payments and refunds are shown, never added, changed or deleted (the billing pages and
services write them, and the database refuses changes once issued)."""

from typing import Any, override

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils import timezone

from billing.models import (
    BookingCheckout,
    CancellationTerms,
    CardSetup,
    CashUp,
    CashUpLine,
    CheckoutAttempt,
    CreditNote,
    CreditNoteLine,
    DocumentSequence,
    FeeProposal,
    GiftVoucher,
    Invoice,
    InvoiceLine,
    Package,
    PackageType,
    PackageUse,
    Payer,
    Payment,
    PaymentAllocation,
    PaymentPolicy,
    ProviderEvent,
    Refund,
    SavedCard,
    VoucherRedemption,
    VoucherTerms,
)
from billing.services.cards import cancellation_terms_publish
from clinic.admin_mixins import ReadOnlyAdmin, SingletonAdmin
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


@admin.register(CancellationTerms)
class CancellationTermsAdmin(admin.ModelAdmin):
    """The manager edits the cancellation terms here. Saving, whether adding or editing,
    publishes a new version; the old one stays as it was, with the cards saved under it
    (the database refuses any change to a version)."""

    list_display = ["version", "is_current", "window_hours", "created_at", "created_by"]
    fields = [
        "body",
        "late_cancellation_basis",
        "late_cancellation_value",
        "no_show_basis",
        "no_show_value",
        "version",
        "window_hours",
        "is_current",
        "created_at",
        "created_by",
    ]
    readonly_fields = ["version", "window_hours", "is_current", "created_at", "created_by"]

    @override
    def save_model(
        self, request: HttpRequest, obj: CancellationTerms, form: ModelForm[Any], change: bool
    ) -> None:
        cancellation_terms_publish(
            terms=obj,
            by=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
        )

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(SavedCard)
class SavedCardAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    """Cards patients saved for the cancellation fees, with the terms version agreed:
    written by the payment provider's webhook, removed by the patient."""

    access_record = "saved card"
    list_display = ["patient", "__str__", "expiry", "terms", "agreed_at", "removed_at"]
    list_select_related = ["patient", "terms"]
    search_fields = ["patient__last_name", "customer", "payment_method"]
    fields = readonly_fields = (
        "patient",
        "brand",
        "last4",
        "exp_month",
        "exp_year",
        "terms",
        "agreed_at",
        "source",
        "removed_at",
        "customer",
        "payment_method",
    )


@admin.register(CardSetup)
class CardSetupAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    """The hosted pages patients opened to save a card from the portal."""

    access_record = "card set-up"
    list_display = ["created_at", "patient", "terms", "status"]
    list_filter = ["status"]
    list_select_related = ["patient", "terms"]
    fields = readonly_fields = (
        "patient",
        "terms",
        "session_id",
        "status",
        "created_at",
        "expires_at",
        "card",
    )


@admin.register(FeeProposal)
class FeeProposalAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    """Late cancellation and no-show fees and what the desk decided (decided on the desk's
    fees page, never here)."""

    access_record = "cancellation fee"
    list_display = ["proposed_at", "patient", "kind", "amount", "status", "decided_by"]
    list_filter = ["status", "kind"]
    list_select_related = ["patient", "decided_by"]
    search_fields = ["patient__last_name", "payment_intent"]
    fields = readonly_fields = (
        "appointment",
        "patient",
        "kind",
        "amount",
        "terms",
        "card",
        "status",
        "proposed_at",
        "decided_by",
        "decided_at",
        "waive_reason",
        "failure_reason",
        "invoice",
        "payment",
        "payment_intent",
    )


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(admin.ModelAdmin):
    """What online booking asks for, set by the clinic manager (decision 0103). The most
    specific rule wins: service and location, then service, then location, then the
    clinic-wide rule; at one level a rule for new (or returning) patients wins over one
    for all patients. No rule: nothing is asked."""

    list_display = ["__str__", "kind", "amount", "percent"]
    list_filter = ["kind", "patients", "service", "location"]
    list_select_related = ["service", "location"]
    fieldsets = [
        (
            "Which bookings",
            {
                "fields": ["service", "location", "patients"],
                "description": "Empty service or location: every one. A visitor who is not "
                "signed in to the patient portal counts as a new patient (the booking pages "
                "never reveal who is already a patient).",
            },
        ),
        (
            "What the patient pays when booking online",
            {
                "fields": ["kind", "amount", "percent"],
                "description": "Amounts are in the clinic's currency and computed from the "
                "service's price when the patient books; the appointment is confirmed only "
                "once the card payment (or the card's set-up) succeeds.",
            },
        ),
    ]


@admin.register(BookingCheckout)
class BookingCheckoutAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    """The payment pages opened at online booking and what became of each: booked (with
    its appointment), refunded (and why), expired or abandoned. The visitor's details are
    not shown here: the appointment's patient page has them."""

    access_record = "booking checkout"
    list_display = ["created_at", "kind", "amount", "currency", "status", "start", "location"]
    list_filter = ["status", "kind", "location"]
    list_select_related = ["location"]
    search_fields = ["session_id", "payment_intent"]
    fields = readonly_fields = (
        "session_id",
        "kind",
        "amount",
        "currency",
        "status",
        "service",
        "location",
        "practitioner",
        "start",
        "created_at",
        "expires_at",
        "closed_at",
        "payment_intent",
        "appointment",
        "message",
    )


@admin.register(PackageType)
class PackageTypeAdmin(admin.ModelAdmin):
    """What the clinic sells as packages of sessions: the manager's (decision 0105). A sale
    copies what it needs, so editing a type never changes a package already sold."""

    list_display = [
        "name",
        "sessions",
        "price",
        "validity_text",
        "refund_rule",
        "is_active",
        "is_public",
    ]
    list_filter = ["is_active", "is_public", "refund_rule"]
    search_fields = ["name"]
    filter_horizontal = ["services"]
    fieldsets = [
        (None, {"fields": ["name", "sessions", "services", "is_active", "is_public"]}),
        ("Price", {"fields": ["price", "vat_status", "vat_rate", "nominal_code"]}),
        ("Validity and refunds", {"fields": ["validity", "validity_unit", "refund_rule"]}),
    ]

    @admin.display(description="Valid for")
    def validity_text(self, obj: PackageType) -> str:
        return obj.validity_text


class PackageUseInline(ReadOnlyAdmin, admin.TabularInline):
    model = PackageUse
    fields = readonly_fields = ("number", "appointment", "used_at", "used_by")
    extra = 0


@admin.register(Package)
class PackageAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    """Patients' packages, as sold: written by the billing pages, never here."""

    access_record = "package"
    list_display = ["patient", "type", "sessions", "bought_at", "expires_on", "status"]
    list_filter = ["status", "type"]
    list_select_related = ["patient", "type"]
    search_fields = ["patient__first_name", "patient__last_name", "invoice__number"]
    fields = readonly_fields = (
        "patient",
        "type",
        "sessions",
        "price",
        "price_per_credit",
        "invoice",
        "bought_at",
        "expires_on",
        "status",
        "closed_at",
        "sold_by",
    )
    inlines = [PackageUseInline]


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


@admin.register(VoucherTerms)
class VoucherTermsAdmin(SingletonAdmin):
    """The manager's gift voucher terms (decision 0106): validity, the amounts offered
    online and the range of any sale."""

    fields = ["valid_months", "amounts", "min_amount", "max_amount"]
