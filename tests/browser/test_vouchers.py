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
