"""Slot holds: a picked time is kept for its holder, hidden from others, and lapses."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from booking.models import Appointment, SlotHold
from booking.services.holds import slot_hold
from booking.services.placement import BookingError, SlotTaken
from tests import factories
from tests.factories import MONDAY, NOW, at

NINE = at(9)


def hold(clinic, token, *, now=NOW, start=NINE):
    return slot_hold(
        token=token,
        service=clinic.initial,
        location=clinic.location,
        practitioner=clinic.alice,
        start=start,
        now=now,
    )


def book(clinic, patient, token, *, now=NOW):
    """Book NINE online as the holder of `token`."""
    return factories.book(clinic, patient, NINE, source="online", now=now, hold_token=token)


def test_it_refuses_others_and_books_the_holder(clinic, patient, dana):
    hold(clinic, "charlie")
    with pytest.raises(SlotTaken):
        book(clinic, dana, "dana")
    with pytest.raises(SlotTaken):
        hold(clinic, "dana")
    assert book(clinic, patient, "charlie").start == NINE
    assert not SlotHold.objects.exists()  # released by the booking


def test_it_lapses_by_itself(clinic, dana, settings):
    hold(clinic, "charlie")
    later = NOW + dt.timedelta(minutes=settings.CLINIC_HOLD_MINUTES, seconds=1)
    assert book(clinic, dana, "dana", now=later).patient == dana


def test_it_replaces_the_holders_earlier_hold(clinic):
    hold(clinic, "charlie")
    hold(clinic, "charlie", start=NINE + dt.timedelta(hours=1))
    assert SlotHold.objects.get().start == NINE + dt.timedelta(hours=1)


def test_it_hides_a_held_time_from_others_but_not_from_the_holder(client, clinic):
    url = reverse("booking:times", args=[clinic.initial.slug, clinic.location.slug])
    params = {"practitioner": clinic.alice.pk, "date": MONDAY.isoformat()}
    with time_machine.travel(NOW, tick=False):
        held = client.post(
            reverse("booking:hold", args=[clinic.initial.slug, clinic.location.slug]),
            {"start": "20270111T0900Z", "practitioner": clinic.alice.pk},
        )
        assert held.status_code == 302
        assert "start=20270111T0900Z" in held.url
        assert "20270111T0900Z" in client.get(url, params).text
        other = client.__class__()
        assert "20270111T0900Z" not in other.get(url, params).text
        taken = other.post(
            reverse("booking:hold", args=[clinic.initial.slug, clinic.location.slug]),
            {"start": "20270111T0900Z", "practitioner": clinic.alice.pk},
        )
        assert taken.status_code == 409
        assert "no longer free" in taken.text
    with time_machine.travel(NOW + dt.timedelta(minutes=8), tick=False):
        assert "20270111T0900Z" in other.get(url, params).text


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_the_holder_win_a_race(clinic, patient, dana):
    hold(clinic, "charlie")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def attempt(who, person, token):
        try:
            barrier.wait()
            outcomes[who] = book(clinic, person, token)
        except BookingError as error:
            outcomes[who] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=("dana", dana, "dana")),
        threading.Thread(target=attempt, args=("charlie", patient, "charlie")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert isinstance(outcomes["charlie"], Appointment)
    assert isinstance(outcomes["dana"], SlotTaken)
    assert Appointment.objects.get().patient == patient


@pytest.mark.django_db(transaction=True)
def test_it_lets_anyone_race_for_it_once_it_lapsed(clinic, patient, dana):
    hold(clinic, "charlie")
    later = NOW + dt.timedelta(minutes=10)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt(person, token):
        try:
            barrier.wait()
            outcomes.append(book(clinic, person, token, now=later))
        except BookingError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(dana, "dana")),
        threading.Thread(target=attempt, args=(patient, "other")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(o, Appointment) for o in outcomes) == 1
    assert Appointment.objects.count() == 1
