"""The payment link of an invoice, emailed to the patient: a token naming the invoice,
signed with SECRET_KEY under its own salt (no other signed value of the clinic can be
replayed here), valid for PAY_LINK_MAX_AGE. Built when the email is sent, never stored."""

import datetime as dt

from django.core import signing
from django.urls import reverse

from billing.models import Invoice

SALT = "billing.pay-link"
PAY_LINK_MAX_AGE = dt.timedelta(days=60)


class PayLinkError(Exception):
    """Tampered with, expired, or naming no invoice that can be paid."""


def pay_token(invoice: Invoice) -> str:
    return signing.dumps({"i": invoice.pk}, salt=SALT, compress=False)


def pay_path(invoice: Invoice) -> str:
    return reverse("billing:pay", args=[pay_token(invoice)])


def invoice_id_from_pay_token(token: str) -> int:
    try:
        data = signing.loads(token, salt=SALT, max_age=PAY_LINK_MAX_AGE)
    except signing.BadSignature as error:  # SignatureExpired included
        raise PayLinkError("This payment link is not valid.") from error
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        raise PayLinkError("This payment link is not valid.")
    return data["i"]
