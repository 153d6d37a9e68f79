"""The local Stripe (bin/stripe_standin.py with localstripe behind it), through stripe-python
over real HTTP, as the billing pages will use it."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import stripe

from clinic.stripe_client import stripe_client


def checkout(client: stripe.StripeClient, **params) -> stripe.checkout.Session:
    return client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": 4500,
                        "product_data": {"name": "Follow-up dry needling"},
                    },
                    "quantity": 2,
                }
            ],
            "success_url": "http://clinic.test/paid/?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "http://clinic.test/invoice/",
            "client_reference_id": "invoice-7",
            "customer_email": "charlie@example.com",
            "metadata": {"invoice": "7"},
            "payment_intent_data": {"metadata": {"invoice": "7"}},
            **params,
        }
    )


def test_it_creates_a_checkout_session_and_reads_it_back(online_payments):
    client = stripe_client()
    expires_at = int(time.time()) + 3600
    session = checkout(client, expires_at=expires_at)

    again = client.v1.checkout.sessions.retrieve(session.id)
    assert again.id.startswith("cs_test_")
    assert (again.status, again.payment_status, again.payment_intent) == ("open", "unpaid", None)
    assert (again.amount_total, again.currency, again.expires_at) == (9000, "gbp", expires_at)
    assert again.metadata.to_dict() == {"invoice": "7"}
    assert again.client_reference_id == "invoice-7"
    assert again.customer_email == "charlie@example.com"
    assert again.url == f"{online_payments.url}/pay/{session.id}"
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(item.description, item.quantity, item.amount_total) for item in items.data] == [
        ("Follow-up dry needling", 2, 9000)
    ]


def test_it_refuses_what_stripe_refuses(online_payments):
    client = stripe_client()
    with pytest.raises(stripe.InvalidRequestError) as no_items:
        checkout(client, line_items=[])
    assert no_items.value.param == "line_items"
    free = _minimal()
    free["line_items"][0]["price_data"]["unit_amount"] = 0
    with pytest.raises(stripe.InvalidRequestError, match="greater than 0"):
        client.v1.checkout.sessions.create(params=free)
    with pytest.raises(stripe.InvalidRequestError) as too_soon:
        checkout(client, expires_at=int(time.time()) + 60)
    assert too_soon.value.param == "expires_at"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.retrieve("cs_test_nosuchsession")
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient(
            "pk_test_publishable", base_addresses={"api": online_payments.url}
        ).v1.checkout.sessions.retrieve("cs_test_x")


def test_it_shows_the_hosted_page_with_the_amount_and_test_cards(online_payments):
    session = checkout(stripe_client())

    page = requests.get(session.url, timeout=10)

    assert page.status_code == 200
    assert "Pay £90.00" in page.text
    assert "Follow-up dry needling × 2" in page.text
    for card in ("4242424242424242", "4000000000000341", "4000002500003155"):
        assert card in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_it_pays_with_the_succeeding_card_and_signs_the_events(online_payments, stripe_webhooks):
    client = stripe_client()
    session = checkout(client)

    paid = online_payments.pay(session.url)

    assert paid.status_code == 303
    assert paid.headers["Location"] == f"http://clinic.test/paid/?session={session.id}"
    completed = stripe_webhooks.wait_for("checkout.session.completed", session.id)
    assert completed.id.startswith("evt_")
    assert completed.livemode is False
    assert completed.api_version == stripe.api_version
    assert completed.data.object["payment_status"] == "paid"
    assert completed.data.object["metadata"].to_dict() == {"invoice": "7"}
    session = client.v1.checkout.sessions.retrieve(session.id)
    assert (session.status, session.payment_status) == ("complete", "paid")
    intent = client.v1.payment_intents.retrieve(session.payment_intent)
    assert (intent.status, intent.amount) == ("succeeded", 9000)
    assert intent.metadata.to_dict() == {"invoice": "7"}
    # localstripe's own events reach the same endpoint, signed with the same secret.
    stripe_webhooks.wait_for("payment_intent.succeeded", intent.id)
    found = client.v1.checkout.sessions.list(params={"payment_intent": intent.id})
    assert [s.id for s in found.data] == [session.id]
    # Paid once: the page sends a second visit straight to the success address.
    assert online_payments.pay(session.url).headers["Location"] == paid.headers["Location"]


def test_it_declines_the_declined_card(online_payments, stripe_webhooks):
    client = stripe_client()
    session = checkout(client)

    declined = online_payments.pay(session.url, card="declined")

    assert declined.status_code == 402
    assert "Your card was declined" in declined.text
    session = client.v1.checkout.sessions.retrieve(session.id)
    assert (session.status, session.payment_status) == ("open", "unpaid")
    # localstripe reports the failure a second after the try; a completed event would
    # have gone at once.
    stripe_webhooks.wait_for("payment_intent.payment_failed", session.payment_intent)
    assert "checkout.session.completed" not in {
        e.type for e in stripe_webhooks.events() if e.data.object["id"] == session.id
    }
    # The patient tries another card on the same page, and it goes through.
    assert online_payments.pay(session.url).status_code == 303
    paid = client.v1.checkout.sessions.retrieve(session.id)
    assert (paid.payment_status, paid.payment_intent != session.payment_intent) == ("paid", True)


def test_a_double_click_pays_once(online_payments, stripe_webhooks):
    client = stripe_client()
    marker = f"double-{time.time_ns()}"
    session = checkout(client, payment_intent_data={"metadata": {"invoice": marker}})
    barrier = threading.Barrier(2)

    def click():
        barrier.wait()
        return online_payments.pay(session.url)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: click(), range(2)))

    assert [a.status_code for a in answers] == [303, 303]
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    stripe_webhooks.wait_for("payment_intent.succeeded", intent)
    time.sleep(0.2)  # localstripe sends a second payment's event with the first, if any
    paid = [
        e
        for e in stripe_webhooks.events()
        if e.type == "payment_intent.succeeded" and e.data.object["metadata"]["invoice"] == marker
    ]
    assert len(paid) == 1


def test_it_asks_to_authenticate_then_completes(online_payments, stripe_webhooks):
    session = checkout(stripe_client())

    challenge = online_payments.pay(session.url, card="authentication")
    assert "Your bank asks you to confirm this payment" in challenge.text
    failed = requests.post(f"{session.url}/authenticate", data={"outcome": "fail"}, timeout=10)
    assert failed.status_code == 402
    assert "Your bank could not confirm this payment" in failed.text
    online_payments.pay(session.url, card="authentication")
    done = requests.post(
        f"{session.url}/authenticate",
        data={"outcome": "complete"},
        allow_redirects=False,
        timeout=10,
    )

    assert done.status_code == 303
    stripe_webhooks.wait_for("checkout.session.completed", session.id)


def test_it_expires_a_session_and_says_so(online_payments, stripe_webhooks):
    client = stripe_client()
    session = checkout(client)

    expired = client.v1.checkout.sessions.expire(session.id)

    assert (expired.status, expired.url) == ("expired", None)
    event = stripe_webhooks.wait_for("checkout.session.expired", session.id)
    assert event.data.object["status"] == "expired"
    page = online_payments.pay(session.url)
    assert page.status_code == 410
    assert "expired" in page.text
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)


def test_it_refunds_a_paid_payment_intent(online_payments, stripe_webhooks):
    client = stripe_client()
    session = checkout(client)
    online_payments.pay(session.url)
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent

    refund = client.v1.refunds.create(params={"payment_intent": intent, "amount": 4500})

    assert (refund.status, refund.amount) == ("succeeded", 4500)
    event = stripe_webhooks.wait_for("charge.refunded", refund.charge)
    assert event.data.object["amount_refunded"] == 4500
    assert event.data.object["payment_intent"] == intent


def test_the_same_idempotency_key_makes_one_object(online_payments):
    client = stripe_client()
    key = {"idempotency_key": f"invoice-7-{time.time_ns()}"}
    other_key = {"idempotency_key": f"invoice-7-checkout-{time.time_ns()}"}
    params = {"email": "charlie@example.com"}

    first = client.v1.customers.create(params=params, options=key)
    second = client.v1.customers.create(params=params, options=key)
    one = client.v1.checkout.sessions.create(params=_minimal(), options=other_key)
    again = client.v1.checkout.sessions.create(params=_minimal(), options=other_key)

    # localstripe alone would make two customers; the stand-in replays the first answer.
    assert first.id == second.id
    assert one.id == again.id
    assert checkout(client).id != one.id  # without the key, a new one
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(params={"email": "dana@example.com"}, options=key)


def _minimal() -> dict:
    return {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 100,
                    "product_data": {"name": "Heat pack"},
                },
                "quantity": 1,
            }
        ],
        "success_url": "http://clinic.test/paid/",
    }
