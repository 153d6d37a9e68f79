"""One package credit pays once, under real concurrency on PostgreSQL with real threads
(``transaction=True``): sessions completed at once, or desks applying credits at once,
never use more credits than the package has (decision 0105)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import Package, PackageUse
from billing.services.errors import BillingError
from billing.services.packages import package_buy_online, package_credit_use
from booking.models import AppointmentStatus
from booking.services.placement import BookingError
from tests import factories
from tests.billing.services.test_packages import complete, package_type, sell, session
from tests.factories import NOW

THREADS = 8
CREDITS = 3
BARRIER_TIMEOUT = 10


def race(calls):
    """Run each call in its own thread and connection, all released together."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)

    def run(call):
        try:
            barrier.wait()
            return call()
        except (BillingError, BookingError) as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.django_db(transaction=True)
def test_sessions_completed_at_once_draw_no_more_credits_than_the_package_has(clinic, patient):
    package = sell(patient, package_type(clinic, sessions=CREDITS, price=Decimal("120.00")))
    sessions = [session(clinic, patient, days_ago) for days_ago in range(1, THREADS + 1)]

    outcomes = race([lambda a=a: complete(a) for a in sessions])

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    uses = PackageUse.objects.filter(package=package)
    assert uses.count() == CREDITS
    assert sorted(uses.values_list("number", flat=True)) == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_desks_applying_credits_at_once_use_each_credit_once(clinic, patient):
    package = sell(patient, package_type(clinic, sessions=CREDITS, price=Decimal("120.00")))
    by = factories.clerk()
    sessions = []
    for days_ago in range(1, THREADS + 1):
        appointment = session(clinic, patient, days_ago, service=clinic.initial)
        appointment.status = AppointmentStatus.COMPLETED
        appointment.save()
        sessions.append(appointment)
    package.type.services.add(clinic.initial)

    outcomes = race(
        [
            lambda a=a: package_credit_use(package=package, appointment=a, used_by=by, now=NOW)
            for a in sessions
        ]
    )

    used = [o for o in outcomes if isinstance(o, PackageUse)]
    refused = [o for o in outcomes if isinstance(o, BillingError)]
    assert len(used) == CREDITS
    assert {error.code for error in refused} == {"used_up"}
    assert PackageUse.objects.filter(package=package).count() == CREDITS


@pytest.mark.django_db(transaction=True)
def test_one_session_paid_at_once_from_two_desks_uses_one_credit(clinic, patient):
    package = sell(patient, package_type(clinic, sessions=CREDITS, price=Decimal("120.00")))
    appointment = session(clinic, patient)
    appointment.status = AppointmentStatus.COMPLETED
    appointment.save()
    by = factories.clerk()

    outcomes = race(
        [lambda: package_credit_use(package=package, appointment=appointment, used_by=by, now=NOW)]
        * THREADS
    )

    assert sum(isinstance(o, PackageUse) for o in outcomes) == 1
    assert PackageUse.objects.filter(package=package).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_buy_online_sells_one_package(clinic, patient):
    kind = package_type(clinic, is_public=True)

    outcomes = race(
        [lambda: package_buy_online(patient=patient, package_type=kind, now=NOW)] * THREADS
    )

    assert len({o.pk for o in outcomes}) == 1, outcomes
    assert Package.objects.count() == 1
