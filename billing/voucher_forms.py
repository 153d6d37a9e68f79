"""Forms of gift vouchers: the desk's sale, the public page's sale, a code typed in. Each
cleans to what billing.services.vouchers and voucher_sales take; those check again."""

from decimal import Decimal
from typing import Any

from django import forms

from billing.forms import amount_field, new_idempotency_key
from billing.models import VoucherTerms
from booking.forms.public import PatientDetailsForm
from clinic.forms import CleanTextMixin
from clinic.money import format_money

OTHER = "other"


class RecipientFields(CleanTextMixin, forms.Form):
    recipient_name = forms.CharField(max_length=100, label="Recipient's name")
    recipient_email = forms.EmailField(
        max_length=254,
        label="Recipient's email",
        required=False,
        help_text="The code is emailed here once the voucher is paid.",
    )
    message = forms.CharField(
        max_length=300,
        required=False,
        label="Message",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Printed on the email as you write it (up to 300 characters).",
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


def bounds_text(terms: VoucherTerms) -> str:
    return f"From {format_money(terms.min_amount)} to {format_money(terms.max_amount)}."


class DeskVoucherForm(RecipientFields):
    amount = amount_field(label="Amount")

    field_order = ["amount", "recipient_name", "recipient_email", "message"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"idempotency_key": new_idempotency_key()})
        super().__init__(*args, **kwargs)
        # The manager's terms (the sale checks them again, as they stand then).
        self.fields["amount"].help_text = bounds_text(VoucherTerms.load())


class DeskBuyerVoucherForm(DeskVoucherForm, PatientDetailsForm):
    """A sale to someone who is not yet a patient: their details make the record the sale
    invoice needs (found, not duplicated, if they are one already)."""

    field_order = [
        "amount",
        "recipient_name",
        "recipient_email",
        "message",
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in [
            ("first_name", "Buyer's first name"),
            ("last_name", "Buyer's last name"),
            ("email", "Buyer's email"),
            ("phone", "Buyer's phone"),
            ("date_of_birth", "Buyer's date of birth"),
        ]:
            self.fields[name].label = label
        self.fields["email"].help_text = "The receipt and a copy of the voucher go here."
        self.fields["phone"].help_text = ""


class PublicVoucherForm(RecipientFields, PatientDetailsForm):
    """The buyer's details are a booking's: the sale invoice is theirs (decision 0106)."""

    choice = forms.ChoiceField(label="Amount", widget=forms.RadioSelect)
    other_amount = amount_field(label="Another amount", required=False)

    field_order = [
        "choice",
        "other_amount",
        "recipient_name",
        "recipient_email",
        "message",
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The manager's terms; the sale checks the amount against them again.
        terms = VoucherTerms.load()
        choice = self.fields["choice"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [(str(a), format_money(a)) for a in terms.amounts_offered] + [
            (OTHER, "Another amount")
        ]
        self.fields["other_amount"].help_text = bounds_text(terms)
        self.fields["email"].label = "Your email"
        self.fields["email"].help_text = "Your receipt and a copy of the voucher go here."
        self.fields["first_name"].label = "Your first name"
        self.fields["last_name"].label = "Your last name"
        self.fields["phone"].label = "Your phone"
        self.fields["date_of_birth"].label = "Your date of birth"
        self.fields["date_of_birth"].help_text = "With your email, it keeps your receipts with you."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("choice") == OTHER:
            if data.get("other_amount") is None:
                self.add_error("other_amount", "Enter the amount.")
            else:
                data["amount"] = data["other_amount"]
        elif data.get("choice"):
            data["amount"] = Decimal(data["choice"])
        return data


class VoucherCodeForm(forms.Form):
    code = forms.CharField(
        max_length=40,
        label="Gift voucher code",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class VoucherApplyForm(VoucherCodeForm):
    amount = amount_field(label="Amount to use")
