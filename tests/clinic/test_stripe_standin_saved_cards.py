"""The local Stripe saving cards (Checkout in setup mode, payments that keep the card) and
charging them off-session, through stripe-python over real HTTP, answered as Stripe
answers with its test cards."""

import time

import pytest
import requests
import stripe

from clinic.stripe_client import stripe_client


def setup_session(client: stripe.StripeClient, **params) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(
        params={
            "mode": "setup",
            "currency": "gbp",
            "customer_creation": "always",
            "customer_email": "charlie@example.com",
            "success_url": "http://clinic.test/saved/?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://clinic.test/booking/",
            "client_reference_id": "booking-12",
            "metadata": {"booking": "12"},
            "setup_intent_data": {"metadata": {"booking": "12"}},
            **params,
        }
    )


def deposit_session(client: stripe.StripeClient, **params) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": 2000,
                        "product_data": {"name": "Deposit"},
                    },
                    "quantity": 1,
                }
            ],
            "customer_creation": "always",
            "customer_email": "charlie@example.com",
            "payment_intent_data": {"setup_future_usage": "off_session"},
            "success_url": "http://clinic.test/paid/",
            **params,
        }
    )


def saved(client: stripe.StripeClient, online_payments, card: str = "succeeds"):
    """A card saved on a setup page: (customer id, payment method id)."""
    session = setup_session(client)
    answer = online_payments.save_card(session.url, card=card)
    if answer.status_code == 200:
        answer = online_payments.authenticate(session.url)
    assert answer.status_code == 303
    session = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["setup_intent"]})
    return session.customer, session.setup_intent.payment_method


def charge(client: stripe.StripeClient, customer: str, method: str, **options):
    return client.v1.payment_intents.create(
        params={
            "customer": customer,
            "payment_method": method,
            "amount": 4500,
            "currency": "gbp",
            "off_session": True,
            "confirm": True,
            "description": "Follow-up dry needling",
            "metadata": {"appointment": "31"},
        },
        options=options,
    )


def test_it_creates_a_setup_session_and_shows_the_save_card_page(online_payments):
    client = stripe_client()
    session = setup_session(client)

    assert (session.mode, session.status, session.payment_status) == (
        "setup",
        "open",
        "no_payment_required",
    )
    assert (session.amount_total, session.setup_intent, session.customer) == (None, None, None)
    assert (session.currency, session.client_reference_id) == ("gbp", "booking-12")
    page = requests.get(session.url, timeout=10)
    assert page.status_code == 200
    assert "Save your card" in page.text
    assert "Nothing is charged now" in page.text
    for number in ("4242424242424242", "4000000000000341", "4000002760003184"):
        assert number in page.text


def test_it_refuses_setup_sessions_stripe_refuses(online_payments):
    client = stripe_client()
    with pytest.raises(stripe.InvalidRequestError) as no_currency:
        setup_session(client, currency="")
    assert no_currency.value.param == "currency"
    with pytest.raises(stripe.InvalidRequestError) as both:
        setup_session(client, customer="cus_x", customer_creation="")
    assert both.value.param == "customer_email"
    with pytest.raises(stripe.InvalidRequestError) as items:
        setup_session(
            client,
            line_items=[{"price_data": {"currency": "gbp", "unit_amount": 1}, "quantity": 1}],
        )
    assert items.value.param == "line_items"
    with pytest.raises(stripe.InvalidRequestError) as usage:
        deposit_session(client, payment_intent_data={"setup_future_usage": "always"})
    assert usage.value.param == "payment_intent_data[setup_future_usage]"


def test_saving_a_card_completes_the_session_with_a_customer_and_setup_intent(
    online_payments, stripe_webhooks
):
    client = stripe_client()
    session = setup_session(client)

    answer = online_payments.save_card(session.url)

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"http://clinic.test/saved/?session={session.id}"
    done = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["setup_intent.payment_method"]}
    )
    assert (done.status, done.payment_status) == ("complete", "no_payment_required")
    assert done.customer.startswith("cus_")
    intent = done.setup_intent
    assert (intent.status, intent.customer, intent.usage) == (
        "succeeded",
        done.customer,
        "off_session",
    )
    assert intent.metadata.to_dict() == {"booking": "12"}
    card = intent.payment_method
    assert (card.customer, card.card.brand, card.card.last4) == (done.customer, "visa", "4242")
    assert card.card.exp_month == 12
    assert card.card.exp_year == time.gmtime().tm_year + 3
    assert client.v1.customers.retrieve(done.customer).email == "charlie@example.com"
    event = stripe_webhooks.wait_for("checkout.session.completed", session.id)
    assert event.data.object["mode"] == "setup"
    assert event.data.object["setup_intent"] == intent.id
    assert event.data.object["customer"] == done.customer
    stripe_webhooks.wait_for("setup_intent.succeeded", intent.id)
    # Saved once: another visit goes straight to the success address.
    assert online_payments.save_card(session.url).headers["Location"] == answer.headers["Location"]


def test_a_setup_session_for_a_known_customer_saves_the_card_to_it(online_payments):
    client = stripe_client()
    customer = client.v1.customers.create(params={"email": "dana@example.com"})
    session = setup_session(client, customer=customer.id, customer_creation="", customer_email="")

    online_payments.save_card(session.url)

    done = client.v1.checkout.sessions.retrieve(session.id)
    assert done.customer == customer.id
    methods = client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"})
    assert [m.card.last4 for m in methods.data] == ["4242"]


def test_a_card_that_asks_to_authenticate_shows_the_challenge_before_saving(online_payments):
    client = stripe_client()
    session = setup_session(client)

    challenge = online_payments.save_card(session.url, card="authentication_always")
    assert "Your bank asks you to confirm this card" in challenge.text
    failed = online_payments.authenticate(session.url, success=False)
    assert failed.status_code == 402
    assert "Your bank could not confirm this card" in failed.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    online_payments.save_card(session.url, card="authentication_always")
    done = online_payments.authenticate(session.url)

    assert done.status_code == 303
    session = client.v1.checkout.sessions.retrieve(session.id, params={"expand[]": "setup_intent"})
    assert session.setup_intent.status == "succeeded"


def test_a_payment_that_keeps_the_card_attaches_it_to_a_new_customer(online_payments):
    client = stripe_client()
    session = deposit_session(client)
    assert "Your card will be kept for later payments" in requests.get(session.url, timeout=10).text

    assert online_payments.pay(session.url).status_code == 303

    done = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.payment_method"]}
    )
    assert (done.payment_status, done.customer.startswith("cus_")) == ("paid", True)
    assert done.payment_intent.customer == done.customer
    assert done.payment_intent.payment_method.customer == done.customer
    assert done.setup_intent is None


def test_a_payment_without_setup_future_usage_keeps_no_card(online_payments):
    client = stripe_client()
    session = deposit_session(client, payment_intent_data={"metadata": {"invoice": "9"}})

    online_payments.pay(session.url)

    done = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.payment_method"]}
    )
    # customer_creation=always makes a Customer; nothing asked to keep the card on it.
    assert done.customer.startswith("cus_")
    assert done.payment_intent.payment_method.customer is None


def test_it_charges_a_saved_card_off_session(online_payments, stripe_webhooks):
    client = stripe_client()
    customer, method = saved(client, online_payments)

    intent = charge(client, customer, method)

    assert (intent.status, intent.amount, intent.customer) == ("succeeded", 4500, customer)
    assert intent.description == "Follow-up dry needling"
    assert intent.metadata.to_dict() == {"appointment": "31"}
    assert client.v1.payment_intents.retrieve(intent.id).description == "Follow-up dry needling"
    stripe_webhooks.wait_for("payment_intent.succeeded", intent.id)


def test_the_0341_card_saves_but_every_charge_is_declined(online_payments, stripe_webhooks):
    client = stripe_client()
    customer, method = saved(client, online_payments, card="declined")

    with pytest.raises(stripe.CardError) as declined:
        charge(client, customer, method)

    error = declined.value
    assert (error.http_status, error.code) == (402, "card_declined")
    assert error.error.type == "card_error"
    assert error.error.decline_code == "generic_decline"
    intent = error.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "card_declined"
    assert client.v1.payment_intents.retrieve(intent.id).status == "requires_payment_method"
    stripe_webhooks.wait_for("payment_intent.payment_failed", intent.id)


def test_the_3184_card_cannot_be_charged_off_session(online_payments, stripe_webhooks):
    client = stripe_client()
    customer, method = saved(client, online_payments, card="authentication_always")

    with pytest.raises(stripe.CardError) as refused:
        charge(client, customer, method)

    error = refused.value
    assert (error.http_status, error.code) == (402, "authentication_required")
    assert error.error.type == "card_error"
    intent = error.error.payment_intent
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "authentication_required"
    assert intent.last_payment_error.payment_method.id == method
    event = stripe_webhooks.wait_for("payment_intent.payment_failed", intent.id)
    assert event.data.object["last_payment_error"]["code"] == "authentication_required"
    time.sleep(1.5)  # localstripe's events come a second late: none of its own for this one
    failed = [e for e in stripe_webhooks.events() if e.data.object["id"] == intent.id]
    assert [e.type for e in failed] == ["payment_intent.payment_failed"]


def test_the_3155_card_authenticated_when_saved_is_charged_without_a_challenge(
    online_payments,
):
    client = stripe_client()
    customer, method = saved(client, online_payments, card="authentication")

    assert charge(client, customer, method).status == "succeeded"
    # A 3155 card attached without being set up (no SetupIntent) still needs its holder.
    loose = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4000002500003155", "exp_month": 12, "exp_year": 2040, "cvc": "123"},
        }
    )
    client.v1.payment_methods.attach(loose.id, params={"customer": customer})
    with pytest.raises(stripe.CardError) as refused:
        charge(client, customer, loose.id)
    assert refused.value.code == "authentication_required"


def test_the_same_idempotency_key_charges_once(online_payments, stripe_webhooks):
    client = stripe_client()
    customer, method = saved(client, online_payments)
    key = f"appointment-31-{time.time_ns()}"

    first = charge(client, customer, method, idempotency_key=key)
    again = charge(client, customer, method, idempotency_key=key)

    assert first.id == again.id
    stripe_webhooks.wait_for("payment_intent.succeeded", first.id)
    time.sleep(1.5)
    intents = [
        e.data.object["id"]
        for e in stripe_webhooks.events()
        if e.type == "payment_intent.succeeded" and e.data.object["customer"] == customer
    ]
    assert intents == [first.id]


def test_it_lists_a_customers_sessions_and_refuses_an_unknown_expansion(online_payments):
    client = stripe_client()
    customer, _method = saved(client, online_payments)

    found = client.v1.checkout.sessions.list(params={"customer": customer})

    assert [s.mode for s in found.data] == ["setup"]
    with pytest.raises(stripe.InvalidRequestError, match="cannot be expanded"):
        client.v1.checkout.sessions.retrieve(found.data[0].id, params={"expand": ["invoice"]})
