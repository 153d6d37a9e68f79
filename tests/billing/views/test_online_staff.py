"""The desk's side of online payments: the payment link emailed to the patient, and the
manager's refund back to the card, through the local Stripe (tests/stripe_fixtures.py)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from billing.models import CreditNote, Payment, ProviderEvent, Refund
from billing.selectors import MoneyState, invoice_balance, patient_credit
from billing.services.errors import BillingError
from billing.services.online import refund_online
from clinic.roles import MANAGER, RECEPTIONIST
from clinic.stripe_client import stripe_client
from patients.models import PatientAccessLog
from tests import factories
from tests.billing.online import deliver, delivery, open_checkout, session_id_of
from tests.factories import NOW


def url(name, *args):
    return reverse(f"billing_staff:{name}", args=args)


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


@pytest.fixture
def desk(db):
    return factories.signed_in(Client(), factories.staff(username="dee", role=RECEPTIONIST))


def paid_online(client, receiver, standin, invoice) -> tuple[Payment, str]:
    """The patient pays the invoice on Stripe's page; its event reaches the clinic."""
    checkout = open_checkout(client, invoice)
    standin.pay(checkout)
    session = session_id_of(checkout)
    deliver(client, *delivery(receiver, "checkout.session.completed", session))
    return Payment.objects.get(method="online"), session


def credit(invoice, amount: str) -> CreditNote:
    from billing.services.credit_notes import credit_note_issue

    return credit_note_issue(
        invoice=invoice,
        reason="Session cut short",
        issued_by=factories.clerk(),
        now=NOW,
        amount=Decimal(amount),
    )


def test_the_manager_refunds_to_the_card_once_and_never_more_than_was_paid(
    manager, online_payments, stripe_webhooks, patient
):
    invoice = factories.invoice(patient, "60.00")
    payment, _ = paid_online(Client(), stripe_webhooks, online_payments, invoice)
    note = credit(invoice, "20.00")
    assert "Refund to the card" in manager.get(url("invoice", invoice.pk)).text

    form = manager.get(url("refund_online_new", note.pk))
    assert form.status_code == 200
    key = form.context["form"]["idempotency_key"].value()
    data = {"amount": "20.00", "idempotency_key": key}
    assert manager.post(url("refund_online_new", note.pk), data).status_code == 302
    assert manager.post(url("refund_online_new", note.pk), data).status_code == 302  # again
    refund = Refund.objects.get()
    assert (refund.method, refund.amount, refund.payment) == ("online", Decimal("20.00"), payment)
    at_stripe = stripe_client().v1.refunds.retrieve(refund.provider_reference)
    assert (at_stripe.amount, at_stripe.payment_intent) == (2000, payment.provider_reference)
    balance = invoice_balance(invoice)
    assert (balance.state, balance.settled) == (MoneyState.PAID, Decimal("40.00"))

    second = manager.post(
        url("refund_online_new", note.pk), {"amount": "0.01", "idempotency_key": "another"}
    )
    assert second.status_code == 400
    assert "no more than was paid" in second.text
    assert Refund.objects.count() == 1
    listed = stripe_client().v1.refunds.list(params={"payment_intent": payment.provider_reference})
    assert len(listed.data) == 1

    # Stripe's own word of the refund finds it recorded already.
    answer = deliver(
        Client(), *delivery(stripe_webhooks, "refund.created", refund.provider_reference)
    )
    assert answer.text == "refund already recorded"
    assert Refund.objects.count() == 1
    assert PatientAccessLog.objects.filter(detail__contains="card refund").exists()


def test_more_than_the_credit_note_allows_is_refused_and_stripe_is_not_asked(
    manager, online_payments, stripe_webhooks, patient
):
    invoice = factories.invoice(patient, "60.00")
    payment, _ = paid_online(Client(), stripe_webhooks, online_payments, invoice)
    note = credit(invoice, "20.00")
    response = manager.post(
        url("refund_online_new", note.pk), {"amount": "20.01", "idempotency_key": "k1"}
    )
    assert response.status_code == 400
    assert "Only £20.00 can go back to the card" in response.text
    assert not Refund.objects.exists()
    listed = stripe_client().v1.refunds.list(params={"payment_intent": payment.provider_reference})
    assert listed.data == []


def test_an_invoice_paid_at_the_desk_has_no_card_refund(manager, patient):
    invoice = factories.invoice(patient, "60.00")
    factories.payment(patient, "60.00", (invoice, "60.00"), method="cash")
    note = credit(invoice, "20.00")
    assert manager.get(url("refund_online_new", note.pk)).status_code == 404
    assert "Refund to the card" not in manager.get(url("invoice", invoice.pk)).text


@pytest.mark.django_db(transaction=True)
def test_two_refunds_at_once_give_back_once(online_payments, stripe_webhooks, patient):
    invoice = factories.invoice(patient, "60.00")
    paid_online(Client(), stripe_webhooks, online_payments, invoice)
    note = credit(invoice, "60.00")
    by = factories.staff(username="mona", role=MANAGER)
    keys = ["click", "click", "other-tab", "third-tab"]
    barrier = threading.Barrier(len(keys), timeout=10)

    def refund(key):
        try:
            barrier.wait()
            return refund_online(
                credit_note=note,
                amount=Decimal("60.00"),
                refunded_by=by,
                now=NOW,
                idempotency_key=key,
            )
        except BillingError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        outcomes = list(pool.map(refund, keys))
    assert Refund.objects.count() == 1
    refused = [o for o in outcomes if isinstance(o, BillingError)]
    assert all(o.code == "over_paid" for o in refused)
    assert len(refused) in (2, 3)  # the double click answers the first refund
    payment = Payment.objects.get()
    listed = stripe_client().v1.refunds.list(params={"payment_intent": payment.provider_reference})
    assert len(listed.data) == 1


def test_a_refund_from_stripes_dashboard_before_its_payment_is_recorded_after_it(
    client, online_payments, stripe_webhooks, patient
):
    invoice = factories.invoice(patient, "60.00")
    checkout = open_checkout(client, invoice)
    online_payments.pay(checkout)
    session = session_id_of(checkout)
    completed = delivery(stripe_webhooks, "checkout.session.completed", session)
    intent = stripe_client().v1.checkout.sessions.retrieve(session).payment_intent
    # Someone refunds £10 in Stripe's dashboard; its event reaches the clinic first.
    refund = stripe_client().v1.refunds.create(params={"payment_intent": intent, "amount": 1000})
    early = deliver(client, *delivery(stripe_webhooks, "refund.created", refund.id))
    assert early.text == "waiting for its payment's event"
    assert not Refund.objects.exists()

    deliver(client, *completed)
    recorded = Refund.objects.get()
    assert (recorded.amount, recorded.provider_reference) == (Decimal("10.00"), refund.id)
    assert recorded.payment == Payment.objects.get()
    assert recorded.refunded_by is None
    assert ProviderEvent.objects.get(object_id=refund.id).processed_at is not None
    # The books show the money that went back: the patient's account is £10 short.
    assert patient_credit(patient.pk) == Decimal("-10.00")


def test_the_desk_emails_a_payment_link_that_pays_that_invoice(
    desk, client, online_payments, patient, django_capture_on_commit_callbacks
):
    invoice = factories.invoice(patient, "60.00", notes="Lumbar pain")
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(url("pay_link_send", invoice.pk))
    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == [patient.email]
    assert invoice.number in email.subject
    assert "£60.00" in email.body
    assert "Lumbar" not in email.body + email.alternatives[0][0]
    link = next(word for word in email.body.split() if "/pay/" in word)
    page = client.get("/" + link.split("/", 3)[3])
    assert page.status_code == 200
    assert invoice.number in page.text
    assert PatientAccessLog.objects.filter(detail__contains="payment link").exists()


def test_no_link_is_sent_for_a_paid_invoice(
    desk, online_payments, patient, django_capture_on_commit_callbacks
):
    invoice = factories.invoice(patient, "60.00")
    factories.payment(patient, "60.00", (invoice, "60.00"))
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(url("pay_link_send", invoice.pk), follow=True)
    assert "Only an issued invoice the patient still owes" in response.text
    assert mail.outbox == []


def test_a_practitioner_cannot_send_a_link_nor_the_desk_refund(
    desk, online_payments, stripe_webhooks, patient, clinic
):
    invoice = factories.invoice(patient, "60.00")
    practitioner = factories.signed_in(
        Client(), factories.in_role(clinic.alice.user, "Practitioner")
    )
    assert practitioner.post(url("pay_link_send", invoice.pk)).status_code == 403
    paid_online(Client(), stripe_webhooks, online_payments, invoice)
    note = credit(invoice, "10.00")
    assert desk.get(url("refund_online_new", note.pk)).status_code == 403
    assert mail.outbox == []
