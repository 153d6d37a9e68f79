"""The takings page: the manager sees everything, a practitioner their own takings only,
the front desk neither; its queries do not grow with the payments."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from clinic.roles import MANAGER, PRACTITIONER
from tests import factories
from tests.factories import NOW

TAKINGS = reverse("billing_staff:takings")
DAY = {"period": "day", "day": NOW.date().isoformat()}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW + dt.timedelta(hours=8), tick=False):
        yield


@pytest.fixture
def manager(client, db):
    return factories.signed_in(client, factories.staff(username="mona", role=MANAGER))


def session(clinic, patient, who, hour):
    room = clinic.rooms[0 if who == clinic.alice else 1]
    start = NOW.replace(hour=hour)
    return factories.appointment(
        clinic, patient, start, practitioner=who, room=room, status="completed"
    )


def two_practitioners_paid(clinic, patient, count=1, first_hour=8):
    for n in range(count):
        invoice = factories.session_invoice(
            patient,
            (session(clinic, patient, clinic.alice, first_hour + 3 * n), "60.00"),
            (session(clinic, patient, clinic.bob, first_hour + 1 + 3 * n), "40.00"),
        )
        factories.payment(patient, "100.00", (invoice, "100.00"), method="cash")


def test_the_manager_sees_every_practitioner_ageing_and_credit(manager, clinic, patient):
    two_practitioners_paid(clinic, patient)
    factories.invoice(patient, "25.00", now=NOW - dt.timedelta(days=40))
    response = manager.get(TAKINGS, DAY)
    assert response.status_code == 200
    text = response.text
    assert "Alice Practitioner" in text
    assert "Bob Practitioner" in text
    assert "£100.00" in text
    assert "31-60 days" in text
    assert "£25.00" in text
    assert "Credit held" in text
    assert reverse("billing_staff:takings_payments_csv") in text


def test_a_practitioner_sees_their_own_takings_only(client, clinic, patient):
    two_practitioners_paid(clinic, patient)
    factories.in_role(clinic.bob.user, PRACTITIONER)
    factories.signed_in(client, clinic.bob.user)
    response = client.get(TAKINGS, DAY)
    assert response.status_code == 200
    text = response.text
    assert "Your takings" in text
    assert "£40.00" in text
    assert "£100.00" not in text
    assert "Alice" not in text
    assert "Credit held" not in text
    assert "CSV" not in text
    assert client.get(reverse("billing_staff:takings_lines_csv"), DAY).status_code == 403


def test_a_practitioner_role_without_a_practitioner_sees_no_takings(client, clinic, patient):
    two_practitioners_paid(clinic, patient)
    factories.signed_in(client, factories.staff(username="pat", role=PRACTITIONER))
    response = client.get(TAKINGS, DAY)
    assert response.status_code == 200
    assert "not a practitioner" in response.text
    assert "£" not in response.text


def test_the_front_desk_has_no_takings_page(desk):
    assert desk.get(TAKINGS).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"period": "custom", "day": "2027-01-04", "first_day": "2027-01-04"},
        {
            "period": "custom",
            "day": "2027-01-04",
            "first_day": "2027-02-01",
            "last_day": "2027-01-01",
        },
        {
            "period": "custom",
            "day": "2027-01-04",
            "first_day": "2025-01-01",
            "last_day": "2027-01-01",
        },
        {"period": "year", "day": "2027-01-04"},
        {"period": "day", "day": "not a day"},
    ],
)
def test_a_bad_period_is_a_message_not_an_error(manager, query):
    response = manager.get(TAKINGS, query)
    assert response.status_code == 400
    assert "Received" not in response.text


def test_a_week_and_a_month(manager, clinic, patient):
    two_practitioners_paid(clinic, patient)
    week = manager.get(TAKINGS, {"period": "week", "day": "2027-01-06"})
    assert "4 Jan 2027 to 10 Jan 2027" in week.text
    month = manager.get(TAKINGS, {"period": "month", "day": "2027-01-20"})
    assert "1 Jan 2027 to 31 Jan 2027" in month.text
    assert "£100.00" in month.text


def test_the_page_reads_in_fixed_queries(manager, clinic, patient, django_assert_num_queries):
    months = {"period": "custom", "day": "2027-01-04"}
    months |= {"first_day": "2026-12-01", "last_day": "2027-01-31"}
    for extra in (0, 6):
        two_practitioners_paid(clinic, patient) if not extra else None
        for n in range(extra):  # more payments, on other days
            when = NOW - dt.timedelta(days=n + 1)
            invoice = factories.invoice(patient, "10.00", now=when)
            factories.payment(patient, "10.00", (invoice, "10.00"), now=when)
        # signed in, with permissions (5); the takings (8: billing.selectors.load_takings)
        with django_assert_num_queries(5 + 8):
            response = manager.get(TAKINGS, months)
        assert response.status_code == 200
    assert "£160.00" in response.text


def test_a_practitioners_page_reads_in_fixed_queries(
    client, clinic, patient, django_assert_num_queries
):
    factories.in_role(clinic.bob.user, PRACTITIONER)
    factories.signed_in(client, clinic.bob.user)
    for first_hour, count in ((8, 1), (11, 2)):
        two_practitioners_paid(clinic, patient, count, first_hour=first_hour)
        # signed in (5); their practitioner (1); shares and names (2: load_takings)
        with django_assert_num_queries(5 + 1 + 2):
            response = client.get(TAKINGS, DAY)
        assert response.status_code == 200
    assert "£120.00" in response.text


def test_the_page_opens_on_this_month(manager, clinic, patient):
    two_practitioners_paid(clinic, patient)
    response = manager.get(TAKINGS)
    assert response.status_code == 200
    assert "1 Jan 2027 to 31 Jan 2027: £100.00" in response.text
    assert "Owed on 4 Jan 2027" in response.text  # as of today, not the month's end
