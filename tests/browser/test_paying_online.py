"""A patient pays an invoice online in Chromium: the emailed link, the local Stripe's
hosted page with the succeeding test card, back to the clinic's thanks; then the desk,
signed in with both factors, sees the invoice paid. Stripe's event reaches the live
server as Stripe's would (signed, a second apart), so the server's clock is the real
one here: a signature is refused five minutes out of time."""

import time

import pytest

from billing.links import pay_path
from billing.models import Payment, ProviderEvent
from billing.selectors import MoneyState, invoice_balance
from clinic.roles import RECEPTIONIST
from clinic.stripe_client import WEBHOOK_PATH
from tests import factories
from tests.browser.visitor import Visitor, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "desk-pass-for-tests"


def test_a_patient_pays_online_and_the_desk_sees_it_paid(
    chromium, live_server, online_payments, request
):
    online_payments.register_webhook(url=live_server.url + WEBHOOK_PATH)
    patient = factories.patient()
    invoice = factories.invoice(patient, "45.00", "15.00")
    patient_browser = Visitor.start(chromium, base_url=live_server.url, name=request.node.name)
    try:
        patient_browser.visit(pay_path(invoice))
        assert "£60.00" in patient_browser.text()
        patient_browser.shot("billing-pay-online")
        # The form posts to the clinic, which sends the browser on to Stripe's page: the
        # page's CSP lets that one origin through (form-action), and nothing else.
        with patient_browser.page.expect_navigation(url=f"{online_payments.url}/**"):
            patient_browser.page.get_by_role("button", name="Pay by card").click()
        stripe_page = patient_browser.page
        assert "£60.00" in stripe_page.inner_text("body")
        stripe_page.get_by_label("Visa ending 4242").check()
        with stripe_page.expect_navigation(url=f"{live_server.url}/pay/**"):
            stripe_page.get_by_role("button", name="Pay").click()
        patient_browser.check()
        assert "Thank you" in patient_browser.text()
        refused = [t for t in patient_browser.console_errors if "Content Security" in t]
        assert not refused, refused
    finally:
        patient_browser.close()

    deadline = time.monotonic() + 15
    while not Payment.objects.filter(allocations__invoice=invoice).exists():
        assert time.monotonic() < deadline, "Stripe's event never recorded the payment"
        time.sleep(0.1)
    assert invoice_balance(invoice).state == MoneyState.PAID
    # localstripe's own payment_intent.succeeded follows a second later: let it land
    # here, not in the next test's database.
    while not ProviderEvent.objects.filter(type="payment_intent.succeeded").exists():
        assert time.monotonic() < deadline + 10, "no payment_intent.succeeded"
        time.sleep(0.1)

    desk = Visitor.start(chromium, base_url=live_server.url, name=f"{request.node.name}-desk")
    try:
        rita = factories.staff(username="rita", role=RECEPTIONIST, password=PASSWORD)
        sign_in(desk, rita, password=PASSWORD)
        desk.visit(f"/staff/billing/invoices/{invoice.pk}/")
        assert "Paid" in desk.text()
        assert "(online)" in desk.text()
        desk.shot("billing-paid-online-desk")
    finally:
        desk.close()
