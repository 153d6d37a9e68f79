"""The desk's cash-up page: expected against counted, closed once."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from billing.models import CashUp
from clinic.roles import PRACTITIONER
from tests import factories
from tests.factories import NOW

CASH_UP = reverse("billing_staff:cash_up")


@pytest.fixture(autouse=True)
def _evening():
    with time_machine.travel(NOW + dt.timedelta(hours=9), tick=False):
        yield


def counted(clinic, **overrides):
    data = {"location": clinic.location.pk, "day": "2027-01-04"}
    return data | {"counted_cash": "20.00", "counted_card": "0", "note": ""} | overrides


def test_the_desk_sees_expected_and_closes_the_day(desk, clinic, patient):
    invoice = factories.invoice(patient, "20.00")
    factories.payment(patient, "20.00", (invoice, "20.00"), method="cash")
    factories.book(clinic, patient, factories.at(9, day=NOW.date()), now=NOW - dt.timedelta(days=1))
    page = desk.get(CASH_UP, {"location": clinic.location.pk, "day": "2027-01-04"})
    assert page.status_code == 200
    assert "£20.00" in page.text
    response = desk.post(CASH_UP, counted(clinic, counted_cash="18.50", note="=short"))
    assert response.status_code == 302
    cash_up = CashUp.objects.get()
    assert cash_up.note == "=short"
    shown = desk.get(response.url)
    assert "-£1.50" in shown.text or "−£1.50" in shown.text
    assert "Close the day" not in shown.text


def test_a_second_close_is_refused_with_a_message(desk, clinic):
    desk.post(CASH_UP, counted(clinic))
    again = desk.post(CASH_UP, counted(clinic, counted_cash="25.00"))
    assert again.status_code == 400
    assert "already cashed up" in again.text
    assert CashUp.objects.get().lines.get(method="cash").counted == 20


@pytest.mark.parametrize(
    "bad",
    [
        {"counted_cash": "-5"},
        {"counted_cash": "lots"},
        {"counted_cash": "1.005"},
        {"day": "2027-01-05"},
        {"day": "soon"},
        {"location": "999"},
        {"note": "x" * 1001},
    ],
)
def test_bad_input_is_a_message_and_saves_nothing(desk, clinic, bad):
    response = desk.post(CASH_UP, counted(clinic, **bad))
    assert response.status_code == 400
    assert not CashUp.objects.exists()


def test_a_practitioner_cannot_cash_up(client, clinic):
    factories.in_role(clinic.alice.user, PRACTITIONER)
    factories.signed_in(client, clinic.alice.user)
    assert client.get(CASH_UP).status_code == 403
    assert client.post(CASH_UP, counted(clinic)).status_code == 403


def test_the_page_reads_in_fixed_queries(desk, clinic, patient, django_assert_num_queries):
    query = {"location": clinic.location.pk, "day": "2027-01-04"}
    for count in (1, 6):
        for _ in range(count):
            invoice = factories.invoice(patient, "20.00")
            factories.payment(patient, "20.00", (invoice, "20.00"), method="cash")
        # signed in (5); the location (1); expected (1); the day's cash-up (1, none yet);
        # recent cash-ups (1, none); the locations to choose from (1)
        with django_assert_num_queries(5 + 1 + 1 + 1 + 1 + 1):
            response = desk.get(CASH_UP, query)
        assert response.status_code == 200
