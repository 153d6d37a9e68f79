"""Forms of the desk and the manager. Each cleans to what a billing service takes; the
service re-checks under its locks everything that depends on other rows (what is owed,
the patient's credit) and the database's constraints back both."""

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any, override

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from billing.models import (
    DESK_METHODS,
    CreditNote,
    Invoice,
    InvoiceLine,
    Package,
    PackageType,
    Payer,
    PaymentMethod,
)
from billing.selectors import InvoiceBalance
from billing.selectors.cash_ups import CASH_UP_METHODS
from billing.takings import period_bounds
from booking.models import Appointment
from clinic.forms import CleanTextMixin, date_input
from clinic.models import Location
from clinic.money import format_money

LONGEST_PERIOD = dt.timedelta(days=366)


def amount_field(**options: Any) -> forms.DecimalField:
    """An amount of money: more than zero, whole pennies (the form's first answer to a
    negative, zero or 10.005; the service checks again)."""
    options.setdefault("min_value", Decimal("0.01"))
    return forms.DecimalField(max_digits=10, decimal_places=2, **options)


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class InvoiceForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ["payer", "due_on", "policy_number", "authorisation_number", "notes"]
        widgets = {"due_on": date_input(), "notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"due_on": "Empty: the clinic's usual terms from the day it is issued."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        payer = self.fields["payer"]
        assert isinstance(payer, forms.ModelChoiceField)
        payer.queryset = Payer.objects.filter(is_active=True)
        payer.empty_label = "The patient"


class LineForm(CleanTextMixin, forms.ModelForm):
    """A line of a draft; the model's constraints (VAT rate against status, price not
    negative) come back as this form's errors."""

    class Meta:
        model = InvoiceLine
        fields = ["description", "quantity", "unit_price", "vat_status", "vat_rate", "nominal_code"]


class _AllocationFields(forms.Form):
    """One optional amount field per invoice still owing, named `invoice_<id>`."""

    def add_invoice_fields(self, invoices: list[Invoice]) -> None:
        for invoice in invoices:
            balance: InvoiceBalance = invoice.balance  # type: ignore[attr-defined]
            self.fields[f"invoice_{invoice.pk}"] = amount_field(
                required=False,
                max_value=balance.outstanding,
                label=f"{invoice.number}: {format_money(balance.outstanding)} outstanding",
            )

    def allocations(self) -> list[tuple[int, Decimal]]:
        return [
            (int(name.removeprefix("invoice_")), value)
            for name, value in self.cleaned_data.items()
            if name.startswith("invoice_") and value
        ]


class PaymentForm(CleanTextMixin, _AllocationFields):
    method = forms.ChoiceField(
        choices=[(m.value, m.label) for m in PaymentMethod if m in DESK_METHODS],
        widget=forms.RadioSelect,
    )
    amount = amount_field(
        help_text="What the patient paid; anything not put against an "
        "invoice below is kept as their credit."
    )
    reference = forms.CharField(
        max_length=100,
        required=False,
        help_text="Terminal receipt, transfer or remittance reference.",
    )
    # A new key each time the form is shown: the same submission twice records once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, invoices: list[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_invoice_fields(invoices)

    @override
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        gone = [
            name
            for name, value in self.data.items()
            if name.startswith("invoice_") and value and name not in self.fields
        ]
        if gone:
            # Paid at another desk since the form was shown (or never this patient's):
            # recording the money as credit without a word would surprise the desk.
            raise forms.ValidationError(
                "An invoice on this form no longer owes anything: check the amounts and "
                "record the payment again."
            )
        amount = data.get("amount")
        if amount is not None and sum(value for _, value in self.allocations()) > amount:
            raise forms.ValidationError(
                "The amounts put against invoices add up to more than the payment."
            )
        return data


class CreditUseForm(forms.Form):
    invoice = forms.TypedChoiceField(coerce=int, label="Invoice")
    amount = amount_field()

    def __init__(self, *args: Any, invoices: list[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["invoice"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (
                invoice.pk,
                f"{invoice.number}: {format_money(invoice.balance.outstanding)} outstanding",  # type: ignore[attr-defined]
            )
            for invoice in invoices
        ]


class CreditNoteForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(max_length=300, help_text="Printed on the credit note.")
    amount = amount_field(
        required=False,
        label="Amount of the whole invoice",
        help_text="Or credit lines below, not both.",
    )

    def __init__(self, *args: Any, lines: list[InvoiceLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[f"line_{line.pk}"] = amount_field(
                required=False,
                label=f"{line.description} ({format_money(line.amounts().gross)})",
            )

    def line_amounts(self) -> list[tuple[int, Decimal]]:
        return [
            (int(name.removeprefix("line_")), value)
            for name, value in self.cleaned_data.items()
            if name.startswith("line_") and value
        ]

    @override
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_lines = bool(self.line_amounts())
        if data.get("amount") and has_lines:
            raise forms.ValidationError("Credit either lines or an amount, not both.")
        if not data.get("amount") and not has_lines and not self.errors:
            raise forms.ValidationError("Enter an amount, or amounts against lines.")
        return data


class RefundForm(CleanTextMixin, forms.Form):
    credit_note = forms.ModelChoiceField(
        queryset=CreditNote.objects.none(),
        required=False,
        empty_label="None: from the patient's credit",
        help_text="A refund of an invoice goes through its credit note.",
    )
    amount = amount_field()
    reference = forms.CharField(max_length=100, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, patient_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["credit_note"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = CreditNote.objects.filter(invoice__patient_id=patient_id)


class OnlineRefundForm(CleanTextMixin, forms.Form):
    """A refund back to the card, out of one credit note: only the amount is asked."""

    amount = amount_field()
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class PeriodForm(forms.Form):
    """The takings' period: a day, its week or month, or any days up to a year."""

    period = forms.ChoiceField(
        choices=[("day", "Day"), ("week", "Week"), ("month", "Month"), ("custom", "From … to")],
        initial="month",
    )
    day = forms.DateField(widget=date_input(), label="Day in the period")
    first_day = forms.DateField(widget=date_input(), label="From", required=False)
    last_day = forms.DateField(widget=date_input(), label="To", required=False)

    @override
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, day = data.get("period"), data.get("day")
        if not kind or not day:
            return data
        first, last = data.get("first_day"), data.get("last_day")
        if kind == "custom" and not (first and last):
            raise forms.ValidationError("Give both days of the period.")
        first, last = period_bounds(kind, day, first, last)
        if not dt.timedelta(0) <= last - first <= LONGEST_PERIOD:
            raise forms.ValidationError("Pick a period of one day to a year, in order.")
        data["bounds"] = (first, last)
        return data


class CashUpForm(CleanTextMixin, forms.Form):
    """What the desk counted at the end of the day, by method."""

    location = forms.ModelChoiceField(queryset=Location.objects.filter(is_active=True))
    day = forms.DateField(widget=date_input())
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for method in CASH_UP_METHODS:
            self.fields[f"counted_{method}"] = forms.DecimalField(
                label=f"{method.label} counted",
                max_digits=10,
                decimal_places=2,
                min_value=Decimal("0.00"),
            )

    def counted(self) -> dict[str, Decimal]:
        return {str(method): self.cleaned_data[f"counted_{method}"] for method in CASH_UP_METHODS}


class _TypeChoice(forms.ModelChoiceField):
    @override
    def label_from_instance(self, obj: Any) -> str:
        vat = f" plus VAT at {obj.vat_rate} %" if obj.vat_rate else ""
        return f"{obj.name}: {obj.sessions} sessions, {format_money(obj.price)}{vat}"


class _SessionChoice(forms.ModelChoiceField):
    @override
    def label_from_instance(self, obj: Any) -> str:
        return f"{timezone.localtime(obj.start):%d %b %Y %H:%M}, {obj.service.name}"


class _PackageChoice(forms.ModelChoiceField):
    @override
    def label_from_instance(self, obj: Any) -> str:
        return (
            f"{obj.type.name}, bought {timezone.localtime(obj.bought_at):%d %b %Y}, "
            f"valid until {obj.expires_on:%d %b %Y}"
        )


class PackageSellForm(forms.Form):
    """The desk's sale of a package: which type (the price and terms are the type's)."""

    package_type = _TypeChoice(
        queryset=PackageType.objects.none(), label="Package", empty_label=None
    )

    def __init__(self, *args: Any, types: QuerySet[PackageType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["package_type"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = types


class PackageUseForm(forms.Form):
    """Pay one of the patient's completed sessions with one of their packages. The choices
    are the patient's own; the service says why a package cannot pay (not covered,
    expired, used up, unpaid)."""

    appointment = _SessionChoice(
        queryset=Appointment.objects.none(), label="Session", empty_label=None
    )
    package = _PackageChoice(queryset=Package.objects.none(), label="Package", empty_label=None)

    def __init__(
        self,
        *args: Any,
        sessions: QuerySet[Appointment],
        packages: QuerySet[Package],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        session = self.fields["appointment"]
        assert isinstance(session, forms.ModelChoiceField)
        session.queryset = sessions
        package = self.fields["package"]
        assert isinstance(package, forms.ModelChoiceField)
        package.queryset = packages


class PackageRefundForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(max_length=300, help_text="Printed on the credit note.")
    amount = amount_field(
        required=False,
        help_text="Only when the manager decides the amount; otherwise the pro-rata value "
        "of the unused credits.",
    )
