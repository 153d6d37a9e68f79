"""The manager's report of deposits held, fees, no-shows with deposits and the
liabilities of packages and vouchers: the manager's alone, its figures from the records,
its queries fixed however many rows there are."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from billing.models import PackageType
from billing.services.fees import fee_propose, fee_waive
from billing.services.packages import package_sell
from billing.services.voucher_sales import voucher_sell
from booking.models import AppointmentStatus
from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from tests import factories
from tests.billing.test_held import deposit
from tests.factories import NOW, at

HELD = reverse("billing_staff:money_held")
MONTH = {"period": "month", "day": NOW.date().isoformat()}


@pytest.fixture(autouse=True)
def _later_that_day():
    with time_machine.travel(NOW + dt.timedelta(hours=20), tick=False):
        yield


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


def held_and_owed(clinic, patient, hours=(9,)) -> None:
    """One of each per hour: a deposit held, a waived no-show fee, a paid package with one credit
    used, a paid voucher."""
    kind, _ = PackageType.objects.get_or_create(
        name="6 follow-up sessions",
        defaults={"sessions": 6, "price": Decimal("250.00"), "validity": 6},
    )
    for hour in hours:
        upcoming = factories.appointment(clinic, patient, at(hour) + dt.timedelta(days=2))
        deposit(upcoming, "20.00")
        missed = factories.appointment(clinic, patient, at(hour), status=AppointmentStatus.NO_SHOW)
        proposal = fee_propose(appointment=missed, now=NOW)
        assert proposal is not None
        fee_waive(proposal=proposal, by=factories.clerk(), reason="Called in ill", now=NOW)
        package = package_sell(
            patient=patient, package_type=kind, sold_by=factories.clerk(), now=NOW
        )
        factories.payment(patient, "250.00", (package.invoice, "250.00"))
        voucher = voucher_sell(
            buyer=patient,
            amount=Decimal("50.00"),
            recipient_name="Robin Gift",
            recipient_email="robin@example.com",
            message="",
            sold_by=factories.clerk(),
            now=NOW,
        )
        factories.payment(patient, "50.00", (voucher.sale_invoice, "50.00"))


def test_the_manager_sees_what_is_held_and_owed_and_the_fees(manager, clinic, patient):
    held_and_owed(clinic, patient)
    response = manager.get(HELD, MONTH)
    assert response.status_code == 200
    text = response.text
    assert "Deposits and prepayments held" in text
    assert "£20.00" in text  # the deposit
    assert "£250.00" in text  # six credits unused
    assert "£50.00" in text  # the voucher's balance
    assert "Waived" in text
    assert "In the period, without a deposit" in text


@pytest.mark.parametrize("role", [RECEPTIONIST, PRACTITIONER])
def test_nobody_else_reads_it(client, db, role):
    factories.signed_in(client, factories.staff(username="someone", role=role))
    assert client.get(HELD, MONTH).status_code == 403


def test_a_bad_period_is_a_clear_400(manager):
    response = manager.get(HELD, {"period": "custom", "day": NOW.date().isoformat()})
    assert response.status_code == 400
    assert "Give both days of the period." in response.text


def test_its_queries_do_not_grow_with_the_rows(
    manager, clinic, patient, django_assert_max_num_queries
):
    held_and_owed(clinic, patient, hours=(9,))
    # signed in (5); deposits; fees; no-shows (five); packages; vouchers
    with django_assert_max_num_queries(5 + 9) as one:
        manager.get(HELD, MONTH)
    held_and_owed(clinic, patient, hours=(11, 13, 15))
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert manager.get(HELD, MONTH).status_code == 200
