"""Practitioners' private calendar feeds: valid iCalendar, revocable, ETag and 304."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from booking.models import CalendarFeed
from booking.notify import ics
from booking.services.feeds import feed_create, feed_revoke
from clinic.roles import PRACTITIONER, RECEPTIONIST
from tests import factories
from tests.factories import NOW, at, book, in_role


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def feed_url(token: str) -> str:
    return reverse("booking:calendar_feed", args=[token])


@pytest.fixture
def token(clinic) -> str:
    return feed_create(practitioner=clinic.alice, now=NOW)[1]


def test_the_feed_parses_and_shares_uids_with_the_patients_emails(clinic, patient, client, token):
    sessions = [book(clinic, patient, at(9)), book(clinic, patient, at(14))]
    book(clinic, patient, at(11), practitioner=clinic.bob)  # not alice's

    response = client.get(feed_url(token))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert sorted(str(e["uid"]) for e in events) == sorted(ics.uid(a) for a in sessions)
    assert sorted(e.decoded("dtstart").astimezone(dt.UTC) for e in events) == [at(9), at(14)]
    assert all("Room" in str(e["description"]) for e in events)
    assert patient.last_name not in response.text


def test_patient_names_only_if_the_clinic_enables_them(clinic, patient, client, token):
    book(clinic, patient, at(9))
    clinic.policy.feed_patient_names = True
    clinic.policy.save()

    response = client.get(feed_url(token))

    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]).startswith("Charlie Patient: ")


def test_a_revoked_or_rotated_token_gets_404(clinic, client, token):
    assert client.get(feed_url(token)).status_code == 200

    _, rotated = feed_create(practitioner=clinic.alice, now=NOW)
    assert client.get(feed_url(token)).status_code == 404
    assert client.get(feed_url(rotated)).status_code == 200

    feed_revoke(practitioner=clinic.alice, now=NOW)
    assert client.get(feed_url(rotated)).status_code == 404
    assert client.get(feed_url("not-a-token")).status_code == 404


def test_a_second_request_with_the_etag_gets_304_until_the_diary_changes(
    clinic, patient, client, token, django_assert_num_queries
):
    book(clinic, patient, at(9))
    first = client.get(feed_url(token))
    etag = first["ETag"]

    # 1 the feed by its token hash, 2 the booking policy, 3 the window's count and
    # latest change (the ETag); nothing is rendered.
    with django_assert_num_queries(3):
        again = client.get(feed_url(token), headers={"if-none-match": etag})

    assert again.status_code == 304
    assert again.content == b""
    book(clinic, patient, at(14))
    changed = client.get(feed_url(token), headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@pytest.mark.parametrize("appointments", [1, 12])
def test_the_feed_costs_the_same_queries_however_full(
    clinic, patient, client, token, appointments, django_assert_num_queries
):
    for n in range(appointments):
        book(clinic, patient, at(9) + dt.timedelta(weeks=n))
    # 1 the feed, 2 the policy, 3 the ETag aggregate, 4 the appointments with service,
    # location and room.
    with django_assert_num_queries(4):
        response = client.get(feed_url(token))
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == appointments


def test_a_practitioner_makes_and_turns_off_their_feed_on_the_staff_page(clinic, client):
    factories.signed_in(client, in_role(clinic.alice.user, PRACTITIONER))
    page = reverse("staff:my_feed")

    made = client.post(page, {"action": "create"})
    url = made.context["new_url"]
    token = url.rsplit("/", 1)[1].removesuffix(".ics")

    assert client.get(feed_url(token)).status_code == 200
    assert CalendarFeed.objects.get().token_hash != token  # only its hash is kept
    client.post(page, {"action": "revoke"})
    assert client.get(feed_url(token)).status_code == 404


def test_staff_without_a_diary_have_no_feed_page(client, db):
    factories.signed_in(client, factories.staff(username="rita", role=RECEPTIONIST))
    assert client.get(reverse("staff:my_feed")).status_code == 404
