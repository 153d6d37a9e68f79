"""Paying an invoice online: the patient's pages, the hosted page of the local Stripe
(tests/stripe_fixtures.py) reached over real HTTP through stripe-python, and the signed
webhook that alone records the payment."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from billing.links import invoice_id_from_pay_token, pay_path, pay_token
from billing.models import (
    CheckoutAttempt,
    CheckoutStatus,
    Payer,
    Payment,
    PaymentAllocation,
    ProviderEvent,
)
from billing.selectors import MoneyState, invoice_balance, patient_credit
from clinic.roles import RECEPTIONIST
from clinic.stripe_client import WEBHOOK_PATH, stripe_client
from patients.links import intake_token
from patients.models import AccessVia, PatientAccessLog
from tests import factories
from tests.billing.online import (
    deliver,
    delivery,
    open_checkout,
    session_id_of,
    signed,
    wait_for_type,
)


def wait_for_payment(invoice, *, seconds: float = 15) -> Payment:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        payment = Payment.objects.filter(allocations__invoice=invoice).first()
        if payment is not None:
            return payment
        time.sleep(0.1)
    pytest.fail("No payment recorded from Stripe's webhook")


def test_the_webhook_route_is_the_one_the_stripe_plumbing_names():
    assert reverse("billing:stripe_webhook") == WEBHOOK_PATH


@pytest.mark.django_db(transaction=True)
def test_it_pays_an_invoice_end_to_end_and_the_desk_sees_it_paid(
    client, live_server, online_payments, patient
):
    online_payments.register_webhook(url=live_server.url + WEBHOOK_PATH)
    invoice = factories.invoice(patient, "45.00", "15.00")
    page = client.get(pay_path(invoice))
    assert "£60.00" in page.text
    assert "Pay by card" in page.text
    # The pay form goes on to Stripe's page: that origin, and only it, joins form-action.
    policy = page["Content-Security-Policy"]
    assert f"form-action 'self' {online_payments.url}" in policy

    checkout = open_checkout(client, invoice)
    assert checkout.startswith(online_payments.url)
    back = online_payments.pay(checkout, card="succeeds")
    assert back.status_code == 303
    # Back to our thanks page (addressed as the page that sent the patient there was).
    # The token carries the time it was signed, so compare what it names, not its text.
    location = back.headers["Location"]
    assert location.endswith("/done/")
    assert invoice_id_from_pay_token(location.split("/pay/")[1].split("/")[0]) == invoice.pk

    payment = wait_for_payment(invoice)
    assert payment.method == "online"
    assert payment.taken_by is None
    assert payment.amount == Decimal("60.00")
    assert payment.provider_reference.startswith("pi_")
    assert invoice_balance(invoice).state == MoneyState.PAID
    assert CheckoutAttempt.objects.get().status == CheckoutStatus.PAID
    done = client.get(reverse("billing:pay_done", args=[pay_token(invoice)]))
    assert "is paid" in done.text

    # localstripe's own payment_intent.succeeded comes a second later: stored, ignored.
    deadline = time.monotonic() + 10
    while not ProviderEvent.objects.filter(type="payment_intent.succeeded").exists():
        assert time.monotonic() < deadline, "no payment_intent.succeeded"
        time.sleep(0.1)
    assert ProviderEvent.objects.get(type="payment_intent.succeeded").outcome == "ignored"
    assert Payment.objects.count() == 1

    desk = factories.signed_in(Client(), factories.staff(username="dee", role=RECEPTIONIST))
    page = desk.get(reverse("billing_staff:invoice", args=[invoice.pk]))
    assert "Paid" in page.text
    assert "(online)" in page.text


def test_the_pay_page_shows_the_invoice_and_nothing_clinical(client, patient):
    invoice = factories.invoice(patient, "60.00", notes="Lumbar pain, second session")
    page = client.get(pay_path(invoice))
    assert page.status_code == 200
    assert invoice.number in page.text
    assert "Session 1" in page.text
    assert "Lumbar" not in page.text
    assert patient.last_name not in page.text


def test_the_patients_reads_through_the_link_are_in_the_access_log(client, patient):
    invoice = factories.invoice(patient, "60.00")
    client.get(pay_path(invoice))
    client.get(reverse("billing:pay_done", args=[pay_token(invoice)]))
    client.get("/pay/nonsense/")

    logged = PatientAccessLog.objects.filter(patient=patient).values_list("record", "via", "detail")
    assert sorted(logged) == [
        ("invoice (paid by link)", AccessVia.PORTAL, invoice.number),
        ("invoice (pay link)", AccessVia.PORTAL, invoice.number),
    ]


def test_before_the_webhook_the_thanks_page_says_it_will_confirm(client, patient):
    invoice = factories.invoice(patient, "60.00")
    done = client.get(reverse("billing:pay_done", args=[pay_token(invoice)]))
    assert "We will confirm when the payment arrives" in done.text
    assert "not yet paid" in done.text


@pytest.mark.parametrize(
    "token",
    ["nonsense", "tampered", "intake-link"],
)
def test_a_link_that_is_not_a_valid_pay_link_is_404(client, patient, token):
    invoice = factories.invoice(patient, "60.00")
    token = {
        "tampered": pay_token(invoice)[:-2] + "xx",
        "intake-link": intake_token(patient),
    }.get(token, token)
    assert client.get(f"/pay/{token}/").status_code == 404
    assert client.post(f"/pay/{token}/").status_code == 404


def test_a_draft_or_an_insurers_invoice_has_no_pay_page(client, patient):
    draft = factories.invoice(patient, "60.00", issued=False)
    assert client.get(f"/pay/{pay_token(draft)}/").status_code == 404
    insurer = Payer.objects.create(kind="insurer", name="Bupa")
    theirs = factories.invoice(patient, "60.00", payer=insurer)
    assert client.get(f"/pay/{pay_token(theirs)}/").status_code == 404


def test_the_amount_is_the_invoices_never_the_requests(client, online_payments, patient):
    invoice = factories.invoice(patient, "60.00")
    factories.payment(patient, "25.00", (invoice, "25.00"))
    response = client.post(pay_path(invoice), {"amount": "0.01", "amount_total": "1"})
    assert response.status_code == 303
    attempt = CheckoutAttempt.objects.get()
    assert attempt.amount == Decimal("35.00")
    session = stripe_client().v1.checkout.sessions.retrieve(attempt.session_id)
    assert (session.amount_total, session.currency) == (3500, "gbp")
    assert session.url == response["Location"]


def test_a_double_click_opens_one_checkout(client, online_payments, patient):
    invoice = factories.invoice(patient, "60.00")
    first = open_checkout(client, invoice)
    assert open_checkout(client, invoice) == first
    assert CheckoutAttempt.objects.count() == 1


def test_a_paid_invoice_offers_nothing_to_pay(client, online_payments, patient):
    invoice = factories.invoice(patient, "60.00")
    factories.payment(patient, "60.00", (invoice, "60.00"))
    assert "Pay by card" not in client.get(pay_path(invoice)).text
    response = client.post(pay_path(invoice))
    assert response.status_code == 400
    assert "nothing left to pay" in response.text
    assert not CheckoutAttempt.objects.exists()


def test_with_online_payments_off_the_page_says_so(client, settings, patient):
    settings.CLINIC_ONLINE_PAYMENTS = False
    invoice = factories.invoice(patient, "60.00")
    assert "Pay by card" not in client.get(pay_path(invoice)).text
    response = client.post(pay_path(invoice))
    assert response.status_code == 400
    assert not CheckoutAttempt.objects.exists()


# --- The webhook ----------------------------------------------------------------------


def paid_session(client, receiver, online_payments, invoice, *, card="succeeds"):
    checkout = open_checkout(client, invoice)
    online_payments.pay(checkout, card=card)
    return session_id_of(checkout)


def test_a_bad_signature_is_refused_and_stores_nothing(
    client, online_payments, stripe_webhooks, patient
):
    invoice = factories.invoice(patient, "60.00")
    session = paid_session(client, stripe_webhooks, online_payments, invoice)
    body, signature = delivery(stripe_webhooks, "checkout.session.completed", session)

    forged = deliver(client, body, signed(json.loads(body), secret="whsec_not_ours")[1])
    assert forged.status_code == 400
    assert deliver(client, body, "").status_code == 400
    assert deliver(client, body.replace(b"60", b"61"), signature).status_code == 400
    assert client.get(WEBHOOK_PATH).status_code == 405
    assert not ProviderEvent.objects.exists()
    assert not Payment.objects.exists()


def test_a_replayed_event_records_the_payment_once(
    client, online_payments, stripe_webhooks, patient
):
    invoice = factories.invoice(patient, "60.00")
    session = paid_session(client, stripe_webhooks, online_payments, invoice)
    body, signature = delivery(stripe_webhooks, "checkout.session.completed", session)

    first = deliver(client, body, signature)
    assert first.status_code == 200
    assert first.text.startswith("payment ")
    again = deliver(client, body, signature)
    assert again.status_code == 200
    assert again.text == "repeat: already received"
    assert Payment.objects.get().amount == Decimal("60.00")
    assert PaymentAllocation.objects.get().invoice == invoice
    assert ProviderEvent.objects.filter(event_id=json.loads(body)["id"]).count() == 1


def test_the_patient_gets_one_receipt_link_however_often_the_event_comes(
    client,
    online_payments,
    stripe_webhooks,
    patient,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    invoice = factories.invoice(patient, "60.00")
    session = paid_session(client, stripe_webhooks, online_payments, invoice)
    body, signature = delivery(stripe_webhooks, "checkout.session.completed", session)

    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, body, signature)
        deliver(client, body, signature)

    receipts = [m for m in mailoutbox if m.subject.startswith("Your receipt is ready")]
    assert len(receipts) == 1
    assert receipts[0].to == [patient.email]
    assert "/my/invoices/" in receipts[0].body
    assert "60.00" not in receipts[0].body  # a link to the portal, no amount
    assert "£" not in receipts[0].body


@pytest.mark.django_db(transaction=True)
def test_the_same_event_twice_at_once_records_one_payment(
    online_payments, stripe_webhooks, patient
):
    invoice = factories.invoice(patient, "60.00")
    session = paid_session(Client(), stripe_webhooks, online_payments, invoice)
    body, signature = delivery(stripe_webhooks, "checkout.session.completed", session)
    barrier = threading.Barrier(4, timeout=10)

    def post(_):
        try:
            barrier.wait()
            return deliver(Client(), body, signature).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(post, range(4)))
    assert statuses == [200] * 4
    assert Payment.objects.count() == 1
    assert invoice_balance(invoice).paid == Decimal("60.00")


def test_an_amount_that_is_not_what_we_asked_for_records_nothing(
    client, online_payments, stripe_webhooks, patient, caplog
):
    invoice = factories.invoice(patient, "60.00")
    checkout = open_checkout(client, invoice)
    event = {
        "id": "evt_forged_amount",
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": session_id_of(checkout),
                "object": "checkout.session",
                "amount_total": 100,
                "currency": "gbp",
                "payment_status": "paid",
                "payment_intent": "pi_forged",
            }
        },
    }
    response = deliver(client, *signed(event))
    assert response.status_code == 200
    assert "mismatch" in response.text
    assert not Payment.objects.exists()
    assert CheckoutAttempt.objects.get().status == CheckoutStatus.MISMATCH
    assert "not the" in caplog.text

    wrong_currency = event | {"id": "evt_forged_currency"}
    euros = event["data"]["object"] | {"amount_total": 6000, "currency": "eur"}
    wrong_currency["data"] = {"object": euros}
    assert "mismatch" in deliver(client, *signed(wrong_currency)).text
    assert not Payment.objects.exists()


def test_an_event_for_an_unknown_session_is_stored_and_records_nothing(client, settings, patient):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_clinic_tests"
    event = {
        "id": "evt_unknown_session",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": "cs_test_not_ours",
                "amount_total": 6000,
                "currency": "gbp",
                "payment_status": "paid",
                "payment_intent": "pi_not_ours",
            }
        },
    }
    response = deliver(client, *signed(event))
    assert response.status_code == 200
    assert response.text == "unknown session: nothing recorded"
    assert ProviderEvent.objects.get().processed_at is not None
    assert not Payment.objects.exists()


def test_an_unknown_event_type_is_stored_and_ignored(client, settings, db):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_clinic_tests"
    event = {"id": "evt_other", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    response = deliver(client, *signed(event))
    assert (response.status_code, response.text) == (200, "ignored")
    assert ProviderEvent.objects.get().type == "customer.created"


def test_a_declined_card_records_nothing(client, online_payments, stripe_webhooks, patient):
    invoice = factories.invoice(patient, "60.00")
    checkout = open_checkout(client, invoice)
    declined = online_payments.pay(checkout, card="declined")
    assert declined.status_code == 402
    # localstripe says so a second later; every delivery so far is then handed to us.
    wait_for_type(stripe_webhooks, "payment_intent.payment_failed")
    with stripe_webhooks.arrived:
        deliveries = list(stripe_webhooks.deliveries)
    for body, signature in deliveries:
        assert deliver(client, body, signature).status_code == 200
    assert not Payment.objects.exists()
    assert CheckoutAttempt.objects.get().status == CheckoutStatus.OPEN
    assert invoice_balance(invoice).state == MoneyState.UNPAID


def test_an_expired_checkout_is_marked_expired(client, online_payments, stripe_webhooks, patient):
    invoice = factories.invoice(patient, "60.00")
    session = session_id_of(open_checkout(client, invoice))
    stripe_client().v1.checkout.sessions.expire(session)
    deliver(client, *delivery(stripe_webhooks, "checkout.session.expired", session))
    assert CheckoutAttempt.objects.get().status == CheckoutStatus.EXPIRED
    # A new press of the button opens a new page.
    assert session_id_of(open_checkout(client, invoice)) != session


def test_paid_at_the_desk_meanwhile_the_online_money_becomes_credit(
    client, online_payments, stripe_webhooks, patient
):
    invoice = factories.invoice(patient, "60.00")
    session = paid_session(client, stripe_webhooks, online_payments, invoice)
    factories.payment(patient, "60.00", (invoice, "60.00"), method="cash")
    deliver(client, *delivery(stripe_webhooks, "checkout.session.completed", session))
    online = Payment.objects.get(method="online")
    assert online.amount == Decimal("60.00")
    assert not online.allocations.exists()
    assert patient_credit(patient.pk) == Decimal("60.00")
    assert invoice_balance(invoice).paid == Decimal("60.00")


def test_the_pay_page_takes_the_same_queries_for_one_line_or_many(
    client, patient, django_assert_num_queries
):
    for prices in (["60.00"], ["10.00"] * 12):
        invoice = factories.invoice(patient, *prices)
        # 1 the invoice with its patient, 2 the access log, 3 its lines, 4 its balance.
        with django_assert_num_queries(4):
            page = client.get(pay_path(invoice))
        assert page.status_code == 200


def test_an_expiry_that_arrives_after_the_payment_changes_nothing(
    client, online_payments, stripe_webhooks, patient
):
    invoice = factories.invoice(patient, "60.00")
    session = paid_session(client, stripe_webhooks, online_payments, invoice)
    deliver(client, *delivery(stripe_webhooks, "checkout.session.completed", session))
    late = {"id": "evt_late_expiry", "type": "checkout.session.expired"}
    late["data"] = {"object": {"id": session, "status": "expired"}}
    assert deliver(client, *signed(late)).text == "no open checkout of ours"
    assert CheckoutAttempt.objects.get().status == CheckoutStatus.PAID
    assert invoice_balance(invoice).state == MoneyState.PAID
