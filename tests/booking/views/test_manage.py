"""The manage link in every email: one appointment, signed, expiring, spent by any change."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from booking import links
from booking.models import Appointment, AppointmentStatus
from tests import factories
from tests.factories import MONDAY, NOW, at


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def appointment(clinic, patient) -> Appointment:
    return factories.book(clinic, patient, at(9), source="online")


def manage_url(appointment, name="booking:manage"):
    return reverse(name, args=[links.manage_token(appointment)])


def test_it_shows_the_appointment_and_its_choices(client, appointment):
    page = client.get(manage_url(appointment))
    assert page.status_code == 200
    assert appointment.reference in page.text
    assert "Monday 11 January 2027, 09:00" in page.text
    assert "Change the time" in page.text
    assert "Cancel this appointment" in page.text


def test_it_refuses_a_tampered_link(client, appointment):
    token = links.manage_token(appointment)
    page = client.get(reverse("booking:manage", args=[token[:-2] + "xx"]))
    assert page.status_code == 400
    assert "not valid" in page.text
    page = client.get(reverse("booking:manage", args=["nonsense"]))
    assert page.status_code == 400
    assert "not valid" in page.text


def test_it_refuses_an_expired_link(client, appointment, settings):
    url = manage_url(appointment)
    with time_machine.travel(NOW + dt.timedelta(days=settings.CLINIC_MANAGE_LINK_DAYS, hours=1)):
        page = client.get(url)
    assert page.status_code == 400
    assert "expired" in page.text


def test_it_refuses_a_link_after_the_appointment_changed(client, appointment):
    old = manage_url(appointment)
    moved = client.post(
        manage_url(appointment, "booking:manage_reschedule"), {"start": "20270111T1400Z"}
    )
    assert moved.status_code == 302
    assert client.get(old).status_code == 400
    assert "has changed" in client.get(old).text
    assert client.post(old + "cancel/").status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.start.hour == 14
    new = client.get(moved.url)  # the new link works
    assert new.status_code == 200
    assert "14:00" in new.text


def test_it_cancels_outside_the_window(client, appointment):
    page = client.post(manage_url(appointment, "booking:manage_cancel"), follow=True)
    assert page.status_code == 200
    assert "cancelled" in page.text
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_it_refuses_to_cancel_inside_the_window_even_if_posted(client, appointment, settings):
    inside = appointment.start - dt.timedelta(hours=3)
    with time_machine.travel(inside, tick=False):
        page = client.get(manage_url(appointment))
        assert "call us on" in page.text
        assert settings.CLINIC_PHONE in page.text
        assert "Cancel this appointment" not in page.text
        posted = client.post(manage_url(appointment, "booking:manage_cancel"))
        moved = client.post(
            manage_url(appointment, "booking:manage_reschedule"), {"start": "20270111T1400Z"}
        )
    assert posted.status_code == 409
    assert "too late to cancel online" in posted.text
    assert moved.status_code == 409
    assert "too late to change" in moved.text
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.start.hour == 9


def test_it_offers_times_to_move_to_and_refuses_a_taken_one(client, clinic, appointment, patient):
    page = client.get(manage_url(appointment, "booking:manage_reschedule"), {"date": "2027-01-11"})
    assert page.status_code == 200
    assert "20270111T1400Z" in page.text
    bad = client.post(manage_url(appointment, "booking:manage_reschedule"), {"start": "garbage"})
    assert bad.status_code == 400
    off_grid = client.post(
        manage_url(appointment, "booking:manage_reschedule"), {"start": "20270111T1407Z"}
    )
    assert off_grid.status_code == 409
    assert "set times" in off_grid.text


def test_cancelling_asks_first_and_says_what_happens_next(client, appointment):
    page = client.get(manage_url(appointment, "booking:manage_cancel"))
    assert page.status_code == 200
    assert "Cancel this appointment?" in page.text
    assert "What happens next" in page.text
    assert "Yes, cancel it" in page.text
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED  # asking changes nothing


def test_moving_warns_before_times_inside_the_cancellation_window(client, clinic, patient):
    # Booked for Wednesday; on Monday at 08:00, times before Tuesday 08:00 are inside 24 h.
    later = factories.book(clinic, patient, at(14, day=MONDAY + dt.timedelta(days=2)))
    monday_morning = at(9) - dt.timedelta(hours=1)
    with time_machine.travel(monday_morning, tick=False):
        url = manage_url(later, "booking:manage_reschedule")
        inside = client.get(url, {"date": MONDAY.isoformat()})
        outside = client.get(url, {"date": (MONDAY + dt.timedelta(days=3)).isoformat()})
    assert "you can no longer change or cancel it online" in inside.text
    assert clinic.policy.late_cancellation_text in inside.text
    assert "(within 24 hours)" in inside.text
    assert "you can no longer change or cancel it online" not in outside.text
    assert "Morning" in outside.text
    assert "Afternoon" in outside.text


def test_moving_opens_on_the_first_day_with_free_times(client, clinic, appointment):
    # On Saturday nobody works: the page opens on Monday, not on a Saturday with nothing.
    saturday = at(9, day=MONDAY - dt.timedelta(days=2))
    with time_machine.travel(saturday, tick=False):
        page = client.get(manage_url(appointment, "booking:manage_reschedule"))
        asked = client.get(
            manage_url(appointment, "booking:manage_reschedule"),
            {"date": saturday.date().isoformat()},
        )
    assert page.status_code == 200
    assert "Monday 11 January 2027 with Alice" in page.text
    assert 'value="2027-01-11"' in page.text  # the date box shows the day opened
    # Its own time counts as free: it may move by a few minutes.
    assert "20270111T0915Z" in page.text
    assert "No free times on this day" in asked.text  # a day asked for is the day shown


def test_moving_offers_any_practitioner_and_moves_to_another(
    client, clinic, appointment, mailoutbox, django_capture_on_commit_callbacks
):
    url = manage_url(appointment, "booking:manage_reschedule")
    page = client.get(url)
    assert '<option value="any">Any practitioner</option>' in page.text
    assert f'<option value="{clinic.bob.pk}">{clinic.bob.name}</option>' in page.text
    with_bob = client.get(url, {"practitioner": clinic.bob.pk, "date": MONDAY.isoformat()})
    assert f"Monday 11 January 2027 with {clinic.bob.name}" in with_bob.text
    assert f'name="practitioner" value="{clinic.bob.pk}"' in with_bob.text

    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(url, {"practitioner": clinic.bob.pk, "start": "20270111T1400Z"})
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.practitioner, appointment.start) == (clinic.bob, at(14))
    [email] = [m for m in mailoutbox if "moved" in m.subject]
    assert f"with {clinic.bob.name}" in email.body
    assert "14:00" in email.body


def test_moving_to_any_practitioner_takes_whoever_is_free(client, clinic, appointment, erin):
    factories.book(clinic, erin, at(14))  # Alice is busy at 14:00
    url = manage_url(appointment, "booking:manage_reschedule")
    anyone = client.get(url, {"practitioner": "any", "date": MONDAY.isoformat()})
    assert "with any practitioner" in anyone.text
    assert "20270111T1400Z" in anyone.text
    moved = client.post(url, {"practitioner": "any", "start": "20270111T1400Z"})
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.practitioner, appointment.start) == (clinic.bob, at(14))


def test_moving_refuses_a_practitioner_who_does_not_offer_the_service(client, clinic, appointment):
    dave = factories.practitioner(
        slug="dave", first_name="Dave", location=clinic.location, services=[clinic.follow_up]
    )
    url = manage_url(appointment, "booking:manage_reschedule")
    assert dave.name not in client.get(url).text
    posted = client.post(url, {"practitioner": dave.pk, "start": "20270111T1400Z"})
    assert posted.status_code == 400
    assert "does not offer this service here" in posted.text
    asked = client.get(url, {"practitioner": dave.pk})
    assert asked.status_code == 400
    appointment.refresh_from_db()
    assert (appointment.practitioner, appointment.start) == (clinic.alice, at(9))


def test_moving_to_a_taken_time_with_another_practitioner_offers_nearby_ones(
    client, clinic, appointment, erin
):
    factories.book(clinic, erin, at(14), practitioner=clinic.bob)
    url = manage_url(appointment, "booking:manage_reschedule")
    taken = client.post(url, {"practitioner": clinic.bob.pk, "start": "20270111T1400Z"})
    assert taken.status_code == 409
    assert "no longer free" in taken.text
    # The nearby times are offered with the same practitioner.
    assert f'name="practitioner" value="{clinic.bob.pk}"' in taken.text
    appointment.refresh_from_db()
    assert (appointment.practitioner, appointment.start) == (clinic.alice, at(9))


@pytest.mark.parametrize("who", ["any", "alice"])
@pytest.mark.parametrize("bookings", [0, 3])
def test_moving_reads_its_times_in_constant_queries(
    client, clinic, appointment, erin, django_assert_num_queries, who, bookings
):
    for hour in (9, 13, 15)[:bookings]:
        factories.book(clinic, erin, at(hour, day=MONDAY + dt.timedelta(days=1)))
    url = manage_url(appointment, "booking:manage_reschedule")
    params = {"practitioner": "any" if who == "any" else clinic.alice.pk, "date": "2027-01-12"}
    # 1 the appointment from the link, with its service, location, people and room; 2 the
    # booking policy; 3 who offers the service there; load_schedule for the day: 4 hours
    # (weekly UNION extra), 5 time off UNION closures, 6 rooms, 7 appointments UNION holds.
    with django_assert_num_queries(7):
        page = client.get(url, params)
    assert page.status_code == 200
    assert page.context["times"]
