"""Booking with a deposit in Chromium: a new patient books the initial assessment, pays
the £20 deposit on the local Stripe's hosted page and, once Stripe's signed event has
reached the clinic, is booked; another leaves Stripe's page and the time is free again.
Stripe's events reach the live server as Stripe's would (signed, a moment apart), so the
server's clock is the real one here: the booking is two weeks ahead of today."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import (
    BookingCheckout,
    BookingCheckoutStatus,
    PaymentPolicy,
    PolicyKind,
    PolicyPatients,
    ProviderEvent,
)
from booking.models import Appointment, SlotHold
from clinic.stripe_client import WEBHOOK_PATH
from tests import factories
from tests.browser.visitor import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

DETAILS = {
    "first_name": "Dana",
    "last_name": "Visitor",
    "email": "dana@example.com",
    "phone": "07400 123456",
    "date_of_birth": "1990-02-03",
}


def two_weeks_ahead() -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=14)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def to_stripe(visitor: Visitor, clinic, live_server_url: str, stripe_url: str, **details) -> str:
    """Through the booking pages to Stripe's page; the time picked (its button's value)."""
    visitor.visit(
        f"/book/{clinic.initial.slug}/{clinic.location.slug}/"
        f"?practitioner=any&date={two_weeks_ahead().isoformat()}"
    )
    first = visitor.page.locator(".time-grid button").first
    picked = first.get_attribute("value")
    assert picked is not None
    visitor.press(first)
    for name, value in (DETAILS | details).items():
        visitor.page.fill(f"[name={name}]", value)
    visitor.click("Continue to review")
    assert "A deposit of £20.00 secures this time" in visitor.text()
    visitor.shot(f"{visitor.name}-review")
    # The form posts to the clinic, which sends the browser on to Stripe's page: the
    # review page's CSP lets that one origin through (form-action).
    with visitor.page.expect_navigation(url=f"{stripe_url}/**"):
        visitor.page.get_by_role("button", name="Continue to payment (£20.00 deposit)").click()
    assert "£20.00" in visitor.page.inner_text("body")
    return picked


@pytest.fixture
def deposit_clinic(online_payments, live_server):
    online_payments.register_webhook(url=live_server.url + WEBHOOK_PATH)
    clinic = factories.clinic()
    PaymentPolicy.objects.create(
        service=clinic.initial,
        patients=PolicyPatients.NEW,
        kind=PolicyKind.DEPOSIT_AMOUNT,
        amount=Decimal("20.00"),
    )
    return clinic


def test_a_new_patient_pays_a_deposit_and_is_booked(
    chromium, live_server, online_payments, deposit_clinic, request
):
    visitor = Visitor.start(chromium, base_url=live_server.url, name="deposit-paid")
    try:
        to_stripe(visitor, deposit_clinic, live_server.url, online_payments.url)
        stripe_page = visitor.page
        stripe_page.get_by_label("Visa ending 4242").check()
        with stripe_page.expect_navigation(url=f"{live_server.url}/book/payment/**"):
            stripe_page.get_by_role("button", name="Pay").click()
        # "Confirming your payment…" until Stripe's event has booked; the page looks
        # again by itself and then shows the confirmation.
        stripe_page.wait_for_url(f"{live_server.url}/book/confirmed/", timeout=20_000)
        visitor.check()
        visitor.shot("deposit-booked")
        appointment = Appointment.objects.get()
        assert appointment.reference in visitor.text()
        assert "You're booked in" in visitor.text()
        refused = [t for t in visitor.console_errors if "Content Security" in t]
        assert not refused, refused
    finally:
        visitor.close()
    assert appointment.patient.email == DETAILS["email"]
    assert appointment.payments_towards.get().amount == Decimal("20.00")
    _let_localstripes_own_events_land()


def test_a_patient_who_leaves_the_stripe_page_books_nothing_and_the_time_is_free(
    chromium, live_server, online_payments, deposit_clinic, request
):
    visitor = Visitor.start(chromium, base_url=live_server.url, name="deposit-abandoned")
    try:
        picked = to_stripe(visitor, deposit_clinic, live_server.url, online_payments.url)
        assert SlotHold.objects.filter(expires_at__gt=timezone.now()).count() == 1
        with visitor.page.expect_navigation(url=f"{live_server.url}/book/payment/cancel/"):
            visitor.page.get_by_role("link", name="Cancel and go back").click()
        visitor.check()
        assert "Nothing was booked and nothing was charged" in visitor.text()
        visitor.shot("deposit-abandoned")
        # The time is offered again on the booking page.
        visitor.click("Choose a time", role="link")
        visitor.visit(
            f"/book/{deposit_clinic.initial.slug}/{deposit_clinic.location.slug}/"
            f"?practitioner=any&date={two_weeks_ahead().isoformat()}"
        )
        assert visitor.page.locator(f".time-grid button[value='{picked}']").count() == 1
    finally:
        visitor.close()
    assert not Appointment.objects.exists()
    assert BookingCheckout.objects.get().status == BookingCheckoutStatus.ABANDONED
    assert not SlotHold.objects.exists()
    # Stripe's expired event follows: it changes nothing; let it land in this test.
    deadline = time.monotonic() + 10
    while not ProviderEvent.objects.filter(type="checkout.session.expired").exists():
        assert time.monotonic() < deadline, "no checkout.session.expired"
        time.sleep(0.1)


def _let_localstripes_own_events_land() -> None:
    """localstripe's payment_intent.succeeded follows a second later: let it land here,
    not in the next test's database."""
    deadline = time.monotonic() + 10
    while not ProviderEvent.objects.filter(type="payment_intent.succeeded").exists():
        assert time.monotonic() < deadline, "no payment_intent.succeeded"
        time.sleep(0.1)
