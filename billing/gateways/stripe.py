"""Stripe, through stripe-python and the clinic's one client (clinic.stripe_client):
hosted Checkout Sessions and refunds. Amounts cross this module in the currency's minor
unit, as Stripe counts them; everything else in the clinic sees Decimal."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import stripe
from babel.numbers import get_currency_precision

from clinic.stripe_client import stripe_client


class GatewayError(Exception):
    """The provider refused or could not be reached; nothing was created there."""


@dataclass(frozen=True)
class HostedPage:
    session_id: str
    url: str
    expires_at: dt.datetime


def minor_units(amount: Decimal, currency: str) -> int:
    """£12.50 → 1250; ¥1250 → 1250 (Stripe's "smallest currency unit")."""
    return int(amount.scaleb(get_currency_precision(currency.upper())).to_integral_exact())


def from_minor_units(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-get_currency_precision(currency.upper()))


def checkout_create(
    *,
    reference: str,
    description: str,
    amount: Decimal,
    currency: str,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
    metadata: dict[str, str],
    expires_at: dt.datetime | None = None,
) -> HostedPage:
    """A hosted payment page for one amount. The same idempotency key again (a retry)
    answers the same session."""
    params: dict[str, object] = {
        "mode": "payment",
        "client_reference_id": reference,
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": minor_units(amount, currency),
                    "product_data": {"name": description},
                },
            }
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
    }
    if expires_at is not None:
        params["expires_at"] = int(expires_at.timestamp())
    try:
        session = stripe_client().v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise GatewayError(
            error.user_message or "The card payment service is unavailable."
        ) from error
    assert session.url is not None
    return HostedPage(
        session_id=session.id,
        url=session.url,
        expires_at=dt.datetime.fromtimestamp(session.expires_at, tz=dt.UTC),
    )


def refund_create(
    *, payment_intent: str, amount: Decimal, currency: str, idempotency_key: str
) -> str:
    """Give `amount` of an online payment back to the card; the provider's refund id."""
    try:
        refund = stripe_client().v1.refunds.create(
            params={"payment_intent": payment_intent, "amount": minor_units(amount, currency)},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise GatewayError(
            error.user_message or "The card payment service is unavailable."
        ) from error
    return refund.id


def checkout_expire(session_id: str) -> None:
    """End an open hosted page now (the patient left it): it can no longer be paid. A
    GatewayError if it is not open any more (paid meanwhile, or expired)."""
    try:
        stripe_client().v1.checkout.sessions.expire(session_id)
    except stripe.StripeError as error:
        raise GatewayError(
            error.user_message or "The card payment service is unavailable."
        ) from error
