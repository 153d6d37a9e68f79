"""A gift voucher used across two online bookings in Chromium: the code typed on the
review page pays the first session (£75 of £100), the balance page shows what is left,
and the second booking spends the rest. Every page passes axe."""

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import Payment, PaymentMethod
from billing.selectors.vouchers import voucher_figures
from booking.models import Appointment
from tests import factories
from tests.billing.services.test_vouchers import paid_voucher
from tests.browser.visitor import BROWSER_NOW

pytestmark = pytest.mark.django_db(transaction=True)

DETAILS = {
    "first_name": "Dana",
    "last_name": "Visitor",
    "email": "dana@example.com",
    "phone": "07400 123456",
    "date_of_birth": "1990-02-03",
}


def book_with_code(visitor, clinic, code: str, step: str, *, last: bool = False) -> None:
    """Book the initial assessment at the day's first free time (or its last: one person
    is never booked twice at once), typing the code on the review page."""
    visitor.visit("/book/")
    visitor.click(clinic.initial.name, role="link")
    visitor.click("Any practitioner", role="link")
    times = visitor.page.locator(".time-grid button")
    visitor.press(times.last if last else times.first)
    for name, value in DETAILS.items():
        visitor.page.fill(f"[name={name}]", value)
    visitor.click("Continue to review")
    visitor.page.get_by_label("Gift voucher code").fill(code)
    visitor.shot(f"{step}-review")
    visitor.click("Confirm booking")
    visitor.shot(f"{step}-booked")


def test_a_voucher_is_used_across_two_online_bookings(visitor):
    clinic = factories.clinic()
    buyer = factories.patient(first_name="Sam", email="sam@example.com")
    voucher, code = paid_voucher(buyer, "100.00", now=BROWSER_NOW - dt.timedelta(days=3))

    book_with_code(visitor, clinic, code.lower(), "voucher-1")
    first = Appointment.objects.get(patient__email="dana@example.com")
    assert first.reference in visitor.text()
    assert voucher_figures(voucher).balance == Decimal("25.00")

    visitor.visit("/gift-vouchers/balance/")
    visitor.page.get_by_label("Gift voucher code").fill(code)
    visitor.click("Check")
    assert "£25.00 left" in visitor.text()
    visitor.shot("voucher-balance")

    book_with_code(visitor, clinic, code, "voucher-2", last=True)
    assert Appointment.objects.filter(patient__email="dana@example.com").count() == 2
    spent = Payment.objects.filter(method=PaymentMethod.VOUCHER).order_by("pk")
    assert [(p.appointment_id is not None, p.amount) for p in spent] == [
        (True, Decimal("75.00")),
        (True, Decimal("25.00")),
    ]
    assert voucher_figures(voucher).balance == Decimal("0.00")


def test_a_voucher_is_bought_online_and_the_desk_finds_it(
    chromium, live_server, online_payments, request
):
    """The public page, Stripe's hosted page, the thanks page; the code reaches the
    recipient after the webhook; the desk's list and voucher page. Real time: Stripe's
    signed event is refused five minutes out of time."""
    from django.core import mail

    from billing.models import GiftVoucher
    from clinic.roles import RECEPTIONIST
    from clinic.stripe_client import WEBHOOK_PATH
    from tests.browser.visitor import Visitor, sign_in

    online_payments.register_webhook(url=live_server.url + WEBHOOK_PATH)
    buyer = Visitor.start(chromium, base_url=live_server.url, name=request.node.name)
    try:
        buyer.visit("/gift-vouchers/")
        buyer.page.get_by_label("£50.00").check()
        fields = {
            "recipient_name": "Robin Gift",
            "recipient_email": "robin@example.com",
            "message": "Happy birthday",
        }
        for name, value in (fields | DETAILS).items():
            buyer.page.fill(f"[name={name}]", value)
        buyer.shot("voucher-buy")
        with buyer.page.expect_navigation(url=f"{online_payments.url}/**"):
            buyer.page.get_by_role("button", name="Pay by card").click()
        stripe_page = buyer.page
        assert "£50.00" in stripe_page.inner_text("body")
        stripe_page.get_by_label("Visa ending 4242").check()
        with stripe_page.expect_navigation(url=f"{live_server.url}/gift-vouchers/thanks/**"):
            stripe_page.get_by_role("button", name="Pay").click()
        buyer.check()
        assert "Thank you" in buyer.text()
        buyer.shot("voucher-bought")
    finally:
        buyer.close()

    import time

    deadline = time.monotonic() + 15
    # The email goes out inside the transaction that stores the code's hash: wait for both.
    while not (
        any(m.to == ["robin@example.com"] for m in mail.outbox)
        and GiftVoucher.objects.filter(code_sent_at__isnull=False).exists()
    ):
        assert time.monotonic() < deadline, "no voucher email after Stripe's event"
        time.sleep(0.1)
    voucher = GiftVoucher.objects.get()

    desk = Visitor.start(chromium, base_url=live_server.url, name=f"{request.node.name}-desk")
    try:
        rita = factories.staff(username="rita", role=RECEPTIONIST, password="desk-pass-for-tests")
        sign_in(desk, rita, password="desk-pass-for-tests")
        desk.visit(f"/staff/billing/vouchers/?q={voucher.code_last4}")
        assert "Robin Gift" in desk.text()
        assert "Active" in desk.text()
        desk.visit(f"/staff/billing/vouchers/{voucher.pk}/")
        assert "£50.00" in desk.text()
        desk.shot("voucher-desk")
    finally:
        desk.close()
