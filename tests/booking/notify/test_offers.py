"""Freed time offered to the waitlist; the first patient to confirm gets it."""

import contextlib
import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from booking.models import Appointment, WaitlistEntry, WaitlistStatus
from booking.notify.offers import offer_freed_time
from booking.selectors.waitlist import FreedTime
from booking.services.changes import appointment_cancel, appointment_reschedule
from tests import factories
from tests.factories import NOW, at

NINE = at(9)


def setup_offer(clinic, patient, capture):
    """Charlie cancels Monday 09:00 with Alice; Erin and Frank wait for it; mail goes out."""
    waiting = [factories.patient(first_name=name) for name in ("Erin", "Frank")]
    for someone in waiting:
        factories.waitlist_entry(patient=someone, service=clinic.initial)
    with time_machine.travel(NOW, tick=False):
        appointment = factories.book(clinic, patient, NINE, source="online")
        # Bob is busy then, so the freed time is the only one.
        gail = factories.patient(first_name="Gail")
        factories.book(clinic, gail, NINE, practitioner=clinic.bob, source="online")
        with capture:  # the cancellation's tasks run after commit
            appointment_cancel(appointment=appointment, now=NOW, by_patient=True)
    return waiting


def claim_paths(mailoutbox):
    return {
        message.to[0]: re.search(r"https?://[^/\s]+(/waitlist/claim/\S+/)", message.body)[1]
        for message in mailoutbox
        if "come free" in message.subject
    }


def alice_at_nine_with_erin_waiting(clinic, patient, *, practitioner):
    """Charlie booked with Alice on Monday 09:00; Erin waits for that day."""
    booked = factories.book(clinic, patient, NINE)
    entry = factories.waitlist_entry(
        patient=factories.patient(first_name="Erin"),
        service=clinic.initial,
        practitioner=practitioner,
    )
    return booked, entry


def test_it_offers_nothing_once_the_time_is_taken_again_or_past(clinic, patient):
    with time_machine.travel(NOW, tick=False):
        booked, _ = alice_at_nine_with_erin_waiting(clinic, patient, practitioner=None)
        freed = FreedTime.of(booked)  # as if it had moved, but the time is still booked
        assert offer_freed_time(freed) == 0
    booked.status = "cancelled"
    booked.save()
    with time_machine.travel(NINE, tick=False):
        assert offer_freed_time(freed) == 0


def test_it_offers_the_time_a_move_left(
    clinic, patient, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        booked, _ = alice_at_nine_with_erin_waiting(clinic, patient, practitioner=clinic.alice)
        with django_capture_on_commit_callbacks(execute=True):
            appointment_reschedule(
                appointment=booked,
                start=NINE + dt.timedelta(hours=5),
                now=NOW,
                source="front_desk",
            )
    assert set(claim_paths(mailoutbox)) == {"erin@example.com"}
    assert WaitlistEntry.objects.get().status == WaitlistStatus.OFFERED


def test_it_emails_the_matching_patients_a_claim_link(
    clinic, patient, mailoutbox, django_capture_on_commit_callbacks
):
    setup_offer(clinic, patient, django_capture_on_commit_callbacks(execute=True))
    paths = claim_paths(mailoutbox)
    assert set(paths) == {"erin@example.com", "frank@example.com"}
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) == {WaitlistStatus.OFFERED}
    with time_machine.travel(NOW, tick=False):
        page = Client().get(paths["erin@example.com"])
    assert page.status_code == 200
    assert "09:00" in page.text


@pytest.mark.django_db(transaction=True)
def test_it_gives_the_time_to_one_of_two_racing_claims(clinic, patient, mailoutbox):
    setup_offer(clinic, patient, contextlib.nullcontext())  # autocommit: tasks run at once
    paths = list(claim_paths(mailoutbox).values())
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def claim(path):
        try:
            client = Client()
            client.get(path)
            barrier.wait()
            statuses.append(client.post(path).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(path,)) for path in paths]
    with time_machine.travel(NOW, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [302, 409]
    winner = Appointment.objects.active().get(practitioner=clinic.alice, start=NINE)
    assert winner.patient.first_name in {"Erin", "Frank"}
    entry = WaitlistEntry.objects.get(status=WaitlistStatus.BOOKED)
    assert entry.appointment == winner
