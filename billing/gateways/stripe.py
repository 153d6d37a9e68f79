"""Stripe, through stripe-python and the clinic's one client (clinic.stripe_client):
hosted Checkout Sessions (to pay, or to save a card), charges to saved cards, refunds.
Amounts cross this module in the currency's minor unit, as Stripe counts them; everything
else in the clinic sees Decimal."""

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
    save_card: bool = False,
    customer: str | None = None,
    customer_email: str | None = None,
) -> HostedPage:
    """A hosted payment page for one amount. The same idempotency key again (a retry)
    answers the same session.

    `save_card` keeps the card for later charges without the patient (a deposit now, the
    rest after): the card is attached to `customer`, or to a Customer Stripe makes at
    payment. `customer_email` prefills the page and goes on that new Customer; Stripe
    takes one of `customer` and `customer_email`, so with a `customer` it is not sent.
    `expires_at` must be 30 minutes to 24 hours away (Stripe's range; 24 hours if None)."""
    intent_data: dict[str, object] = {"metadata": metadata}
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
        "payment_intent_data": intent_data,
        **_customer_params(customer=customer, customer_email=customer_email, create=save_card),
    }
    if save_card:
        intent_data["setup_future_usage"] = "off_session"
    if expires_at is not None:
        params["expires_at"] = int(expires_at.timestamp())
    return _session_create(params, idempotency_key)


def setup_checkout_create(
    *,
    reference: str,
    description: str,
    currency: str,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
    metadata: dict[str, str],
    customer_email: str | None = None,
    expires_at: dt.datetime | None = None,
) -> HostedPage:
    """A hosted page where the patient saves a card and is charged nothing; the clinic
    charges it later with `off_session_charge`. Stripe makes a Customer for the card at
    completion; `saved_card_of_session` reads both once the session is complete.
    `currency` is the one later charges will be in (Stripe needs it in setup mode)."""
    params: dict[str, object] = {
        "mode": "setup",
        "currency": currency.lower(),
        "client_reference_id": reference,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
        "setup_intent_data": {"metadata": metadata, "description": description},
        **_customer_params(customer=None, customer_email=customer_email, create=True),
    }
    if expires_at is not None:
        params["expires_at"] = int(expires_at.timestamp())
    return _session_create(params, idempotency_key)


def _customer_params(
    *, customer: str | None, customer_email: str | None, create: bool
) -> dict[str, str]:
    if customer is not None:
        return {"customer": customer}
    params = {"customer_creation": "always"} if create else {}
    if customer_email:
        params["customer_email"] = customer_email
    return params


def _session_create(params: dict[str, object], idempotency_key: str) -> HostedPage:
    try:
        session = stripe_client().v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise GatewayError(_unavailable(error)) from error
    assert session.url is not None
    return HostedPage(
        session_id=session.id,
        url=session.url,
        expires_at=dt.datetime.fromtimestamp(session.expires_at, tz=dt.UTC),
    )


def _unavailable(error: stripe.StripeError) -> str:
    return error.user_message or "The card payment service is unavailable."


def checkout_expire(session_id: str) -> None:
    """Close an open hosted page, so nobody can pay or save a card on it any more (a
    deposit asked for again, an appointment cancelled). A session already complete or
    expired is not an error: this returns quietly, and the caller learns which from the
    session's event or `saved_card_of_session`."""
    sessions = stripe_client().v1.checkout.sessions
    try:
        sessions.expire(session_id)
    except stripe.InvalidRequestError as refused:
        # Stripe refuses to expire a session that is not open; read it to tell that
        # apart from a wrong id.
        try:
            status = sessions.retrieve(session_id).status
        except stripe.StripeError as error:
            raise GatewayError(_unavailable(error)) from error
        if status == "open":
            raise GatewayError(_unavailable(refused)) from refused
    except stripe.StripeError as error:
        raise GatewayError(_unavailable(error)) from error


@dataclass(frozen=True)
class SavedCard:
    """A card kept at Stripe for later charges: whose (the Customer) and which (the
    PaymentMethod), with what the clinic may show of it."""

    customer: str
    payment_method: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


def saved_card_of_session(session_id: str) -> SavedCard | None:
    """The card a completed session saved: a setup session's, or a payment session's made
    with `save_card`. None while the session is open or expired, or if it saved no card
    (a payment without `save_card`, or a card not attached to a Customer)."""
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(
            session_id,
            params={"expand": ["setup_intent.payment_method", "payment_intent.payment_method"]},
        )
    except stripe.StripeError as error:
        raise GatewayError(_unavailable(error)) from error
    if session.status != "complete" or not session.customer:
        return None
    customer = session.customer if isinstance(session.customer, str) else session.customer.id
    intent: stripe.SetupIntent | stripe.PaymentIntent | str | None
    intent = session.setup_intent if session.mode == "setup" else session.payment_intent
    if not isinstance(intent, stripe.SetupIntent | stripe.PaymentIntent):
        return None
    if intent.status != "succeeded" or not isinstance(intent.payment_method, stripe.PaymentMethod):
        return None
    method = intent.payment_method
    owner = method.customer if isinstance(method.customer, str | None) else method.customer.id
    if owner != customer or method.card is None:
        return None
    return SavedCard(
        customer=customer,
        payment_method=method.id,
        brand=method.card.brand,
        last4=method.card.last4,
        exp_month=method.card.exp_month,
        exp_year=method.card.exp_year,
    )


@dataclass(frozen=True)
class ChargeResult:
    """What became of a charge to a saved card. `outcome` is "succeeded", "declined" (the
    bank said no: ask the patient for another card) or "authentication_required" (the
    bank wants the patient present: send them a payment page). `payment_intent` is the
    provider's id ("" if none was made); `message` is the provider's words for a refusal."""

    outcome: str
    payment_intent: str
    message: str


def off_session_charge(
    *,
    customer: str,
    payment_method: str,
    amount: Decimal,
    currency: str,
    description: str,
    idempotency_key: str,
    metadata: dict[str, str],
) -> ChargeResult:
    """Charge a saved card with the patient absent (the balance after a deposit, a
    no-show fee agreed when the card was saved). A refusal by the card's bank is an
    answer, not an error; GatewayError means the provider could not be asked or refused
    the request itself. The same idempotency key again (a retry) charges once and answers
    as the first time."""
    try:
        intent = stripe_client().v1.payment_intents.create(
            params={
                "customer": customer,
                "payment_method": payment_method,
                "amount": minor_units(amount, currency),
                "currency": currency.lower(),
                "off_session": True,
                "confirm": True,
                "description": description,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.CardError as error:
        refused = error.error.payment_intent if error.error else None
        return ChargeResult(
            outcome=(
                "authentication_required" if error.code == "authentication_required" else "declined"
            ),
            payment_intent=refused.id if refused else "",
            message=error.user_message or "The card was declined.",
        )
    except stripe.StripeError as error:
        raise GatewayError(_unavailable(error)) from error
    match intent.status:
        case "succeeded":
            return ChargeResult(outcome="succeeded", payment_intent=intent.id, message="")
        case "requires_action":  # Stripe answers this with a 402; kept in case it does not
            return ChargeResult(
                outcome="authentication_required",
                payment_intent=intent.id,
                message="The card's bank asks the patient to confirm this payment.",
            )
        case status:
            # Cards settle at once; anything else (processing) cannot be called paid.
            raise GatewayError(f"The card payment is {status}, not settled.")


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
        raise GatewayError(_unavailable(error)) from error
    return refund.id


def checkout_status(session_id: str) -> str:
    """A hosted page's status now: "open", "complete" or "expired" (after
    `checkout_expire`, to tell a page closed from one paid meanwhile)."""
    try:
        session = stripe_client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as error:
        raise GatewayError(_unavailable(error)) from error
    return str(session.status)
