"""Packages at the desk (sell, pay a session by a credit, refund unused credits) and in
the portal (credits left, buying one online through the local Stripe, usable once its
webhook records the payment). Every read of a patient's packages is in the access log."""

import time
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import Package, PackageStatus, PackageUse
from billing.selectors.packages import package_balance
from booking import links
from booking.models import AppointmentStatus
from clinic.roles import MANAGER
from clinic.stripe_client import WEBHOOK_PATH
from patients.models import AccessVia, PatientAccessLog
from tests import factories
from tests.billing.services.test_packages import package_type, sell, session
from tests.factories import NOW


def staff_url(name, *args):
    return reverse(f"billing_staff:{name}", args=args)


def portal_url(name, *args):
    return reverse(f"billing_portal:{name}", args=args)


def signed_into_portal(patient) -> Client:
    client = Client()
    client.post(reverse("booking:portal_enter", args=[links.sign_in_token(patient)]))
    return client


def completed_session(clinic, patient, days_ago=1, service=None):
    appointment = session(clinic, patient, days_ago, service=service)
    appointment.status = AppointmentStatus.COMPLETED
    appointment.save()
    return appointment


@pytest.fixture
def kind(clinic):
    return package_type(clinic, is_public=True)


def test_the_desk_sells_a_package_and_is_sent_to_its_invoice(desk, patient, kind):
    page = desk.get(staff_url("account", patient.pk))
    assert "Sell a package" in page.text
    assert "No packages." in page.text

    response = desk.post(staff_url("package_sell", patient.pk), {"package_type": kind.pk})

    package = Package.objects.get(patient=patient)
    assert response.url == staff_url("invoice", package.invoice_id)
    assert package.invoice.lines.get().description == "Package: 6 follow-up sessions"
    page = desk.get(staff_url("account", patient.pk))
    assert "Waiting for payment" in page.text


def test_the_desk_cannot_sell_a_type_no_longer_on_sale(desk, patient, kind):
    kind.is_active = False
    kind.save()
    response = desk.post(staff_url("package_sell", patient.pk), {"package_type": kind.pk})
    assert response.url == staff_url("account", patient.pk)
    assert not Package.objects.exists()


def test_the_account_page_shows_credits_and_logs_the_read(desk, clinic, patient, kind, rita):
    package = sell(patient, kind)
    PackageUse.objects.create(
        package=package,
        appointment=completed_session(clinic, patient, 2),
        number=1,
        used_at=NOW,
    )
    page = desk.get(staff_url("account", patient.pk))
    assert "1 of 6" in page.text
    assert "<strong>5</strong>" in page.text
    assert PatientAccessLog.objects.filter(
        user=rita, patient=patient, record="invoices and payments"
    ).exists()

    patient_page = desk.get(reverse("patients_staff:patient", args=[patient.pk]))
    assert "5 left" in patient_page.text


def test_the_desk_pays_a_session_by_package_and_its_invoice_line_is_free(
    desk, clinic, patient, kind
):
    package = sell(patient, kind)
    appointment = completed_session(clinic, patient)
    page = desk.get(staff_url("account", patient.pk))
    assert "Pay this session by package" in page.text

    response = desk.post(
        staff_url("package_use", patient.pk),
        {"appointment": appointment.pk, "package": package.pk},
        follow=True,
    )
    assert "Paid by package: credit 1 of 6." in response.text
    desk.post(staff_url("invoice_for_appointment", appointment.reference))
    line = appointment.invoice_lines.get()
    assert line.unit_price == Decimal("0.00")
    assert "paid by package (credit 1 of 6)" in line.description


def test_the_desk_is_told_why_a_package_cannot_pay(desk, clinic, patient, kind):
    package = sell(patient, kind)
    initial = completed_session(clinic, patient, service=clinic.initial)

    response = desk.post(
        staff_url("package_use", patient.pk),
        {"appointment": initial.pk, "package": package.pk},
        follow=True,
    )
    assert "This package does not cover “Initial assessment and dry needling”." in response.text
    assert not PackageUse.objects.exists()


def test_another_patients_session_or_package_is_not_a_choice(desk, clinic, patient, dana, kind):
    theirs = sell(dana, kind)
    mine = completed_session(clinic, patient)
    desk.post(staff_url("package_use", patient.pk), {"appointment": mine.pk, "package": theirs.pk})
    assert not PackageUse.objects.exists()


def test_the_manager_refunds_unused_credits_through_a_credit_note(client, clinic, patient, kind):
    manager = factories.staff(username="mona", role=MANAGER)
    factories.signed_in(client, manager)
    package = sell(patient, kind)

    page = client.get(staff_url("package_refund", package.pk))
    assert "At most <strong>£250.00</strong>" in page.text
    logged = PatientAccessLog.objects.filter(user=manager, patient=patient, record="packages")
    assert logged.exists()

    response = client.post(staff_url("package_refund", package.pk), {"reason": "Moving away"})
    assert response.url == staff_url("invoice", package.invoice_id)
    package.refresh_from_db()
    assert package.status == PackageStatus.REFUNDED
    assert package.invoice.credit_notes.get().total == Decimal("250.00")

    again = client.post(staff_url("package_refund", package.pk), {"reason": "Again"})
    assert again.status_code == 400
    assert "Nothing can be refunded." in again.text


def test_the_portal_shows_the_patients_credits_and_logs_the_read(clinic, patient, dana, kind):
    sell(patient, kind)
    sell(dana, package_type(clinic, name="Dana's own"))
    client = signed_into_portal(patient)

    page = client.get(portal_url("packages"))

    assert page.status_code == 200
    assert "6 left" in page.text
    assert "Dana's own" not in page.text
    assert "Buy and pay by card" not in page.text  # online payments are off here
    assert PatientAccessLog.objects.filter(
        patient=patient, via=AccessVia.PORTAL, record="portal packages"
    ).exists()


def test_the_portal_needs_a_signed_in_patient(client, kind):
    assert client.get(portal_url("packages")).url == reverse("booking:portal_sign_in")
    assert client.post(portal_url("package_buy", kind.pk)).url == reverse("booking:portal_sign_in")


def test_a_type_not_sold_online_cannot_be_bought_in_the_portal(clinic, patient, settings):
    settings.CLINIC_ONLINE_PAYMENTS = True
    private = package_type(clinic, is_public=False)
    client = signed_into_portal(patient)
    assert client.post(portal_url("package_buy", private.pk)).status_code == 404
    assert not Package.objects.exists()


def wait_until_usable(package, *, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if package_balance(package, now=timezone.now()).usable:
            return
        time.sleep(0.1)
    pytest.fail("The package never became usable")


@pytest.mark.django_db(transaction=True)
def test_a_package_bought_online_is_usable_once_the_webhook_records_its_payment(
    live_server, online_payments, clinic, patient, kind
):
    online_payments.register_webhook(url=live_server.url + WEBHOOK_PATH)
    client = signed_into_portal(patient)
    page = client.get(portal_url("packages"))
    assert "Buy and pay by card" in page.text
    assert online_payments.url in page["Content-Security-Policy"]

    response = client.post(portal_url("package_buy", kind.pk))

    assert response.status_code == 303
    checkout = response["Location"]
    assert checkout.startswith(online_payments.url)
    package = Package.objects.get(patient=patient)
    assert package.sold_by is None
    assert not package_balance(package, now=timezone.now()).usable
    # Back from the card page without paying, then "Buy" again: the same package and page.
    again = client.post(portal_url("package_buy", kind.pk))
    assert again["Location"] == checkout
    assert Package.objects.filter(patient=patient).count() == 1
    assert online_payments.pay(checkout, card="succeeds").status_code == 303
    wait_until_usable(package)


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_package_pages_read_in_fixed_queries(desk, clinic, patient, kind):
    """However many packages and sessions: the account page (packages with their credits
    and invoices in one query; the forms' choices one each) and the portal's."""
    portal = signed_into_portal(patient)
    counts = []
    for days_ago in (1, 2, 3):
        sell(patient, kind)
        completed_session(clinic, patient, days_ago)
        counts.append(
            (
                _queries(desk, staff_url("account", patient.pk)),
                _queries(portal, portal_url("packages")),
            )
        )
    assert counts[0] == counts[1] == counts[2], counts
