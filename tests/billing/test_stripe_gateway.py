"""billing.gateways.stripe against the local Stripe over real HTTP: saving a card on a
hosted page, reading it back, charging it with the patient absent, and closing a page."""

import datetime as dt
import time
from decimal import Decimal

import pytest

from billing.gateways import stripe as gateway
from clinic.stripe_client import stripe_client


def setup_page(**params) -> gateway.HostedPage:
    return gateway.setup_checkout_create(
        reference="booking-12",
        description="Card kept for the no-show fee",
        currency="GBP",
        success_url="http://clinic.test/saved/",
        cancel_url="http://clinic.test/booking/",
        idempotency_key=f"setup-{time.time_ns()}",
        metadata={"booking": "12"},
        customer_email="charlie@example.com",
        **params,
    )


def deposit_page(**params) -> gateway.HostedPage:
    return gateway.checkout_create(
        reference="booking-12",
        description="Deposit",
        amount=Decimal("20.00"),
        currency="GBP",
        success_url="http://clinic.test/paid/",
        cancel_url="http://clinic.test/booking/",
        idempotency_key=f"deposit-{time.time_ns()}",
        metadata={"booking": "12"},
        **params,
    )


def saved_card(online_payments, card: str = "succeeds") -> gateway.SavedCard:
    page = setup_page()
    answer = online_payments.save_card(page.url, card=card)
    if answer.status_code == 200:  # the bank's challenge
        answer = online_payments.authenticate(page.url)
    assert answer.status_code == 303
    found = gateway.saved_card_of_session(page.session_id)
    assert found is not None
    return found


def charge(card: gateway.SavedCard, **params) -> gateway.ChargeResult:
    return gateway.off_session_charge(
        **{
            "customer": card.customer,
            "payment_method": card.payment_method,
            "amount": Decimal("45.00"),
            "currency": "GBP",
            "description": "Balance for appointment 31",
            "idempotency_key": f"charge-{time.time_ns()}",
            "metadata": {"appointment": "31"},
            **params,
        }
    )


def test_a_setup_page_saves_a_card_the_clinic_can_read(online_payments, stripe_webhooks):
    expires_at = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=2)
    page = setup_page(expires_at=expires_at)
    assert page.expires_at == expires_at
    assert gateway.saved_card_of_session(page.session_id) is None  # not saved yet

    online_payments.save_card(page.url)

    card = gateway.saved_card_of_session(page.session_id)
    assert card is not None
    assert card.customer.startswith("cus_")
    assert card.payment_method.startswith("pm_")
    assert (card.brand, card.last4, card.exp_month) == ("visa", "4242", 12)
    assert card.exp_year == dt.datetime.now(dt.UTC).year + 3
    event = stripe_webhooks.wait_for("checkout.session.completed", page.session_id)
    assert (event.data.object["mode"], event.data.object["customer"]) == ("setup", card.customer)
    assert event.data.object["metadata"].to_dict() == {"booking": "12"}


def test_a_deposit_that_keeps_the_card_lets_the_clinic_charge_the_rest(
    online_payments, stripe_webhooks
):
    page = deposit_page(save_card=True, customer_email="charlie@example.com")
    online_payments.pay(page.url)
    card = gateway.saved_card_of_session(page.session_id)
    assert card is not None
    assert card.last4 == "4242"

    result = charge(card)

    assert result.outcome == "succeeded"
    assert result.message == ""
    intent = stripe_client().v1.payment_intents.retrieve(result.payment_intent)
    assert (intent.amount, intent.currency, intent.customer) == (4500, "gbp", card.customer)
    assert intent.metadata.to_dict() == {"appointment": "31"}
    event = stripe_webhooks.wait_for("payment_intent.succeeded", result.payment_intent)
    assert event.data.object["amount"] == 4500


def test_a_deposit_for_a_known_customer_keeps_the_card_on_it(online_payments):
    first = saved_card(online_payments)
    page = deposit_page(save_card=True, customer=first.customer)

    online_payments.pay(page.url, card="declined")  # declined: nothing kept
    assert gateway.saved_card_of_session(page.session_id) is None
    online_payments.pay(page.url)

    card = gateway.saved_card_of_session(page.session_id)
    assert card is not None
    assert card.customer == first.customer
    assert card.payment_method != first.payment_method


def test_a_deposit_without_save_card_keeps_nothing(online_payments):
    page = deposit_page()

    online_payments.pay(page.url)

    assert gateway.saved_card_of_session(page.session_id) is None


def test_the_0341_card_is_declined_with_its_payment_intent(online_payments, stripe_webhooks):
    card = saved_card(online_payments, card="declined")

    result = charge(card)

    assert result.outcome == "declined"
    assert result.payment_intent.startswith("pi_")
    assert result.message == "Your card was declined."
    stripe_webhooks.wait_for("payment_intent.payment_failed", result.payment_intent)


def test_the_3184_card_asks_for_the_patient(online_payments, stripe_webhooks):
    card = saved_card(online_payments, card="authentication_always")

    result = charge(card)

    assert result.outcome == "authentication_required"
    assert result.payment_intent.startswith("pi_")
    assert "requires authentication" in result.message
    stripe_webhooks.wait_for("payment_intent.payment_failed", result.payment_intent)


def test_a_retried_charge_with_the_same_key_charges_once(online_payments, stripe_webhooks):
    card = saved_card(online_payments)
    key = f"appointment-31-balance-{time.time_ns()}"

    first = charge(card, idempotency_key=key)
    again = charge(card, idempotency_key=key)

    assert first == again
    stripe_webhooks.wait_for("payment_intent.succeeded", first.payment_intent)
    time.sleep(1.5)  # localstripe's events come a second late
    charged = [
        event
        for event in stripe_webhooks.events()
        if event.type == "payment_intent.succeeded"
        and event.data.object["customer"] == card.customer
    ]
    assert len(charged) == 1


def test_a_charge_the_provider_refuses_is_a_gateway_error(online_payments):
    card = saved_card(online_payments)

    with pytest.raises(gateway.GatewayError):
        charge(card, customer="cus_nosuchcustomer")


def test_it_expires_an_open_page_and_ignores_a_closed_one(online_payments, stripe_webhooks):
    page = setup_page()

    gateway.checkout_expire(page.session_id)

    assert stripe_client().v1.checkout.sessions.retrieve(page.session_id).status == "expired"
    stripe_webhooks.wait_for("checkout.session.expired", page.session_id)
    gateway.checkout_expire(page.session_id)  # expired already: quietly
    paid = deposit_page()
    online_payments.pay(paid.url)
    gateway.checkout_expire(paid.session_id)  # complete: quietly, and still complete
    assert stripe_client().v1.checkout.sessions.retrieve(paid.session_id).status == "complete"
    with pytest.raises(gateway.GatewayError):
        gateway.checkout_expire("cs_test_nosuchsession")
