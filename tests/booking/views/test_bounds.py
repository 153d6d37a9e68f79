"""Dates and times at the edge of the calendar get a clear answer, never a server error,
and a bad value never sticks in the visitor's session."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.booking.views.public_flow import details_url


@pytest.fixture
def visitor() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["00010101T0000Z", "99991231T2359Z", "00011231T2300Z"])
def test_it_refuses_a_start_near_the_ends_of_the_calendar(visitor, clinic, start):
    page = visitor.get(details_url(clinic), {"start": start, "practitioner": "any"})

    assert page.status_code == 400
    assert "could not be read" in page.text


@pytest.mark.django_db
def test_it_drops_an_unreadable_pending_booking_from_the_session(visitor, clinic):
    session = visitor.session
    session["booking"] = {
        "service": clinic.initial.slug,
        "location": clinic.location.slug,
        "practitioner": "any",
        "start": "00010101T0000Z",
        "patient": {},
        "portal": None,
    }
    session.save()

    answer = visitor.get(reverse("booking:review"))

    assert answer.status_code == 302
    assert answer.url == reverse("booking:book")
    assert "booking" not in visitor.session  # not stuck until the session expires


@pytest.mark.django_db
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1800-01-01"])
def test_the_staff_calendar_shows_today_for_a_date_far_away(desk, clinic, day):
    url = reverse("staff:day", args=[clinic.location.slug])

    page = desk.get(url, {"date": day})

    assert page.status_code == 200
    assert "10 years back and ahead; showing today instead" in page.text


@pytest.mark.django_db
def test_the_front_desk_cannot_book_a_date_far_away(desk, clinic, patient):
    url = reverse("staff:book", args=[clinic.location.slug])

    page = desk.post(
        url,
        {
            "patient": patient.pk,
            "service": clinic.initial.pk,
            "date": "0001-01-01",
            "time": "09:00",
        },
    )

    assert page.status_code == 400
    assert "within 5 years of today" in page.text
