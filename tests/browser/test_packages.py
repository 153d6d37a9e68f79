"""A patient buys a package in the portal in Chromium, pays on the local Stripe's page,
and once Stripe's event has recorded the payment each completed session draws a credit
until none is left: the portal and the desk's patient page both show 0 left. The
sessions are completed through the status service, as the desk's button does."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Package, PackageType, PackageUse, ProviderEvent
from billing.selectors.packages import package_balance
from booking import links
from booking.models import AppointmentStatus
from booking.services.status import appointment_transition
from clinic.roles import RECEPTIONIST
from clinic.stripe_client import WEBHOOK_PATH
from tests import factories
from tests.browser.visitor import Visitor, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "desk-pass-for-tests"


def test_a_package_bought_online_is_drawn_down_to_zero(
    chromium, live_server, online_payments, request
):
    online_payments.register_webhook(url=live_server.url + WEBHOOK_PATH)
    clinic = factories.clinic()
    kind = PackageType.objects.create(
        name="2 follow-up sessions", sessions=2, price=Decimal("90.00"), validity=6, is_public=True
    )
    kind.services.set([clinic.follow_up])
    patient = factories.patient()

    visitor = Visitor.start(chromium, base_url=live_server.url, name=request.node.name)
    try:
        visitor.visit(f"/my/sign-in/{links.sign_in_token(patient)}/")
        visitor.press(visitor.page.locator("main form button[type=submit]"))
        visitor.visit("/my/invoices/packages/")
        assert "You have no packages." in visitor.text()
        visitor.shot("packages-portal-buy")
        with visitor.page.expect_navigation(url=f"{online_payments.url}/**"):
            visitor.page.get_by_role("button", name="Buy and pay by card").click()
        stripe_page = visitor.page
        assert "£90.00" in stripe_page.inner_text("body")
        stripe_page.get_by_label("Visa ending 4242").check()
        with stripe_page.expect_navigation(url=f"{live_server.url}/pay/**"):
            stripe_page.get_by_role("button", name="Pay").click()
        visitor.check()
        assert "Thank you" in visitor.text()

        package = Package.objects.get(patient=patient)
        deadline = time.monotonic() + 15
        while not package_balance(package, now=timezone.now()).usable:
            assert time.monotonic() < deadline, "Stripe's event never paid the package"
            time.sleep(0.1)
        while not ProviderEvent.objects.filter(type="payment_intent.succeeded").exists():
            assert time.monotonic() < deadline + 10, "no payment_intent.succeeded"
            time.sleep(0.1)

        visitor.visit("/my/invoices/packages/")
        assert "2 left" in visitor.text()

        # Two sessions took place this week; the desk completes each.
        now = timezone.now()
        for days_ago in (2, 1):
            start = (now - dt.timedelta(days=days_ago)).replace(
                hour=10, minute=0, second=0, microsecond=0
            )
            session = factories.appointment(
                clinic,
                patient,
                start,
                service=clinic.follow_up,
                status=AppointmentStatus.CONFIRMED,
            )
            appointment_transition(appointment=session, action="complete", now=now, by=None)
        assert PackageUse.objects.filter(package=package).count() == 2

        visitor.visit("/my/invoices/packages/")
        assert "0 left" in visitor.text()
        assert "Used up" in visitor.text()
        visitor.shot("packages-portal-used-up")
    finally:
        visitor.close()

    desk = Visitor.start(chromium, base_url=live_server.url, name=f"{request.node.name}-desk")
    try:
        rita = factories.staff(username="rita", role=RECEPTIONIST, password=PASSWORD)
        sign_in(desk, rita, password=PASSWORD)
        desk.visit(f"/staff/patients/{patient.pk}/")
        assert "2 follow-up sessions: 0 left, 2 of 2 used" in desk.text()
        desk.visit(f"/staff/billing/patients/{patient.pk}/")
        assert "Used up" in desk.text()
        desk.shot("packages-desk-used-up")
    finally:
        desk.close()
