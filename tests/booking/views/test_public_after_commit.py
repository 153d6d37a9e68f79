"""After the booking commits, the visitor learns the truth: no database write stands
between the commit and the answer, and the same submission again books nothing new."""

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from booking.models import Appointment
from booking.services import booking as booking_service
from tests.factories import NOW

DETAILS = {
    "first_name": "Dana",
    "last_name": "Visitor",
    "email": "dana@example.com",
    "phone": "07400 123456",
    "date_of_birth": "1990-02-03",
    "start": "20270111T0900Z",
    "practitioner": "any",
}


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def visitor() -> Client:
    return Client(raise_request_exception=False)


def review_pending(visitor: Client, clinic) -> None:
    url = reverse("booking:details", args=[clinic.initial.slug, clinic.location.slug])
    assert visitor.post(url, DETAILS).url == reverse("booking:review")


def connection_lost(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
def test_it_confirms_a_booking_even_if_the_database_goes_away_right_after_the_commit(
    visitor, clinic, monkeypatch
):
    review_pending(visitor, clinic)
    real_make = booking_service.online_booking_make
    dropped = []

    def commit_then_lose_the_connection(**kwargs):
        appointment = real_make(**kwargs)
        # From here on every statement of this request fails, as when the server dies.
        dropped.append(connection.execute_wrapper(connection_lost))
        dropped[0].__enter__()
        return appointment

    monkeypatch.setattr(booking_service, "online_booking_make", commit_then_lose_the_connection)
    try:
        answer = visitor.post(reverse("booking:review"))
    finally:
        dropped[0].__exit__(None, None, None)

    # Told the truth: on to the confirmation, not an error page.
    assert answer.status_code == 302
    assert answer.url == reverse("booking:confirmed")
    confirmed = visitor.get(answer.url)
    assert confirmed.status_code == 200
    appointment = Appointment.objects.get()
    assert appointment.reference in confirmed.text


@pytest.mark.django_db
def test_it_books_once_when_the_review_is_submitted_again(visitor, clinic):
    review_pending(visitor, clinic)

    first = visitor.post(reverse("booking:review"))
    again = visitor.post(reverse("booking:review"))  # a double click, or a retry
    back = visitor.get(reverse("booking:review"))  # the back button

    assert Appointment.objects.count() == 1
    for answer in (first, again, back):
        assert answer.status_code == 302
        assert answer.url == reverse("booking:confirmed")
    assert Appointment.objects.get().reference in visitor.get(reverse("booking:confirmed")).text


@pytest.mark.django_db
def test_a_retry_after_an_error_page_finds_the_committed_booking(visitor, clinic, monkeypatch):
    """The worst case: the commit reached the database but its answer did not (the
    connection died inside COMMIT), so the visitor saw the 503 page and tries again."""
    review_pending(visitor, clinic)
    real_make = booking_service.online_booking_make

    def commit_then_fail(**kwargs):
        real_make(**kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(booking_service, "online_booking_make", commit_then_fail)
    failed = visitor.post(reverse("booking:review"))
    assert failed.status_code == 503
    assert "Please try again in a moment" in failed.text

    monkeypatch.undo()
    retried = visitor.post(reverse("booking:review"))

    assert retried.url == reverse("booking:confirmed")
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_a_new_details_step_starts_a_new_booking(visitor, clinic):
    review_pending(visitor, clinic)
    visitor.post(reverse("booking:review"))

    url = reverse("booking:details", args=[clinic.initial.slug, clinic.location.slug])
    visitor.post(url, DETAILS | {"start": "20270112T0900Z"})
    visitor.post(reverse("booking:review"))

    assert Appointment.objects.count() == 2
