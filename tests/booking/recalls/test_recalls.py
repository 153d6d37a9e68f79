"""Recalls (decision 0111): who is due one, the nightly job through the task queue, the
email, the decline link, and a booking noticed afterwards."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from booking.links import recall_decline_path
from booking.models import Recall, RecallState
from booking.periodic import send_recalls
from booking.selectors.recalls import due_recalls
from booking.services.recalls import recall_decline, recalls_queue, recalls_settle
from patients.clinical.episodes import episode_discharge
from tests import factories
from tests.factories import FIRST_SESSION, NOW, at

DATABASE = {"BACKEND": "django_tasks_db.DatabaseBackend"}
SITE = "https://clinic.example"


@pytest.fixture
def recalled(clinic, patient):
    """Charlie: an open episode, one completed follow-up on 7 Sep 2026 (alice), nothing
    booked; follow-ups recall after 28 days, so on NOW (4 Jan 2027) he is due."""
    clinic.follow_up.recall_after_days = 28
    clinic.follow_up.save()
    episode = factories.episode(patient)
    session = factories.past_session(clinic, patient, 0)
    return episode, session


def due_ids(now=NOW) -> list[int]:
    return [due.episode.pk for due in due_recalls(now=now)]


def test_a_patient_past_the_period_with_nothing_booked_is_due(recalled, clinic):
    episode, session = recalled
    [due] = due_recalls(now=NOW)
    assert due.episode == episode
    assert due.last_visit == session
    assert due.service == clinic.follow_up
    assert due.due_at == session.start + dt.timedelta(days=28)


def test_not_due_before_the_period_ends(recalled):
    _, session = recalled
    assert due_ids(now=session.start + dt.timedelta(days=27)) == []
    assert due_ids(now=session.start + dt.timedelta(days=28, minutes=1)) == [recalled[0].pk]


def test_not_due_with_an_appointment_booked(recalled, clinic, patient):
    factories.appointment(clinic, patient, at(10), service=clinic.follow_up, status="confirmed")
    assert due_ids() == []


def test_a_cancelled_appointment_does_not_count_as_booked(recalled, clinic, patient):
    factories.appointment(clinic, patient, at(10), service=clinic.follow_up, status="cancelled")
    assert due_ids() == [recalled[0].pk]


def test_not_due_when_the_service_has_no_recall_period(recalled, clinic):
    clinic.follow_up.recall_after_days = None
    clinic.follow_up.save()
    assert due_ids() == []


def test_the_last_session_decides_whose_period_applies(recalled, clinic, patient):
    # A later session of a service without a recall period: no recall.
    factories.appointment(
        clinic, patient, FIRST_SESSION + dt.timedelta(weeks=2), status="completed"
    )
    assert due_ids() == []


def test_not_due_once_recalled_declined_or_booked(recalled):
    queued = recalls_queue(now=NOW)
    assert [r.episode_id for r in queued] == [recalled[0].pk]
    assert due_ids() == []
    assert recalls_queue(now=NOW) == []  # the nightly job again: nothing more


def test_not_due_for_an_archived_patient(recalled, patient):
    patient.is_archived = True
    patient.save()
    assert due_ids() == []


def test_not_due_for_a_discharged_episode(recalled):
    episode_discharge(episode=recalled[0], advice="", now=NOW)
    assert due_ids() == []


def test_a_session_before_the_episode_began_does_not_count(clinic, patient):
    clinic.follow_up.recall_after_days = 28
    clinic.follow_up.save()
    factories.past_session(clinic, patient, 0)
    factories.episode(patient, at=FIRST_SESSION + dt.timedelta(days=30))
    assert due_ids() == []


# --- The nightly job, the task, the email ---------------------------------------------------


@pytest.fixture
def stored_queue(settings):
    settings.TASKS = {"default": DATABASE, "deferred": DATABASE}
    settings.DEFERRED_TASK_BACKEND = "deferred"
    settings.SITE_URL = SITE
    with time_machine.travel(NOW, tick=False):
        yield


def run_queued(task_name: str) -> list[str]:
    """What the worker does with each stored row of the task: called with what was stored."""
    results = []
    for row in DBTaskResult.objects.filter(task_path__endswith=task_name).order_by("pk"):
        results.append(row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]))
    return results


def test_the_nightly_job_queues_one_task_per_recall_and_it_sends_once(
    recalled, patient, clinic, stored_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_recalls.call() == "1 queued, 0 booked"
    recall = Recall.objects.get()
    assert recall.state == RecallState.QUEUED
    [row] = DBTaskResult.objects.filter(task_path__endswith="send_recall")
    assert row.args_kwargs["kwargs"] == {"recall_id": recall.pk}  # an id, no address

    assert run_queued("send_recall") == ["sent"]
    assert run_queued("send_recall") == ["skipped: not queued"]  # a second run: no email
    [message] = mail.outbox
    assert message.to == [patient.email]
    assert "Follow-up dry needling" in message.body
    # The booking page for the service at the last place, with the last practitioner.
    times = SITE + reverse("booking:times", args=[clinic.follow_up.slug, clinic.location.slug])
    assert f"{times}?practitioner={clinic.alice.pk}" in message.body
    assert "Alice" in message.body
    decline = re.search(rf"{SITE}(/no-more-visits/\S+/)", message.body)
    assert decline
    recall.refresh_from_db()
    assert recall.state == RecallState.SENT
    assert recall.sent_at == NOW
    # The next night: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_recalls.call() == "0 queued, 0 booked"


def test_the_booking_link_drops_a_practitioner_who_no_longer_offers_it(
    recalled, clinic, stored_queue, django_capture_on_commit_callbacks
):
    clinic.alice.services.remove(clinic.follow_up)
    with django_capture_on_commit_callbacks(execute=True):
        send_recalls.call()
    run_queued("send_recall")
    times = SITE + reverse("booking:times", args=[clinic.follow_up.slug, clinic.location.slug])
    body = mail.outbox[0].body
    assert f"{times}\n" in body
    assert "practitioner=" not in body


def test_a_recall_booked_meanwhile_is_not_sent(
    recalled, clinic, patient, stored_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_recalls.call()
    factories.appointment(clinic, patient, at(10), service=clinic.follow_up, status="confirmed")
    assert run_queued("send_recall") == ["not sent: booked meanwhile"]
    assert mail.outbox == []
    assert Recall.objects.get().state == RecallState.NOT_SENT


def test_the_email_says_nothing_clinical(
    recalled, stored_queue, django_capture_on_commit_callbacks
):
    episode, _ = recalled
    with django_capture_on_commit_callbacks(execute=True):
        send_recalls.call()
    run_queued("send_recall")
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    for text in (message.subject, message.body, html):
        assert episode.complaint not in text
        assert "pain" not in text.lower()


# --- Declining, and booking after the recall ------------------------------------------------


def _sent(recalled) -> Recall:
    [recall] = recalls_queue(now=NOW)
    recall.state, recall.sent_at = RecallState.SENT, NOW
    recall.save()
    return recall


def test_the_decline_link_asks_then_records_once(client, recalled):
    recall = _sent(recalled)
    path = recall_decline_path(recall.pk)
    page = client.get(path)
    assert page.status_code == 200
    assert b"I don't need another appointment" in page.content
    recall.refresh_from_db()
    assert recall.state == RecallState.SENT  # opening the link (a mail scanner) changes nothing

    with time_machine.travel(NOW, tick=False):
        done = client.post(path)
    assert done.status_code == 200
    assert b"Thank you" in done.content
    recall.refresh_from_db()
    assert (recall.state, recall.declined_at) == (RecallState.DECLINED, NOW)

    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        again = client.post(path)
    assert again.status_code == 200
    recall.refresh_from_db()
    assert recall.declined_at == NOW  # idempotent: the first time is kept


def test_a_tampered_decline_link_gets_a_clear_page(client, recalled):
    recall = _sent(recalled)
    path = recall_decline_path(recall.pk)
    response = client.post(path[:-3] + "xx/")
    assert response.status_code == 400
    assert b"not working" in response.content
    recall.refresh_from_db()
    assert recall.state == RecallState.SENT


def test_a_booking_after_the_recall_marks_it_booked(recalled, clinic, patient):
    recall = _sent(recalled)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        booked = factories.appointment(
            clinic, patient, at(10), service=clinic.follow_up, status="confirmed"
        )
    assert recalls_settle() == 1
    recall.refresh_from_db()
    assert (recall.state, recall.booked) == (RecallState.BOOKED, booked)
    # Declining afterwards changes nothing: they booked.
    recall_decline(recall_id=recall.pk, now=NOW + dt.timedelta(days=1))
    recall.refresh_from_db()
    assert recall.state == RecallState.BOOKED


def test_a_cancelled_booking_after_the_recall_does_not_count(recalled, clinic, patient):
    recall = _sent(recalled)
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        factories.appointment(clinic, patient, at(10), service=clinic.follow_up, status="cancelled")
    assert recalls_settle() == 0
    recall.refresh_from_db()
    assert recall.state == RecallState.SENT


def test_the_manager_sets_the_recall_period_on_the_service_page(admin_client, clinic):
    page = admin_client.get(reverse("admin:booking_service_change", args=[clinic.follow_up.pk]))
    assert 'name="recall_after_days"' in page.text


def test_the_text_versions_are_short_and_flat():
    context = {
        "clinic_name": "Riverside Clinic",
        "link": "https://c.example/b/x?practitioner=1&y=2",
        "decline_link": "https://c.example/n/y/",
    }
    recall = render_to_string("texts/recall.txt", context)
    follow_up = render_to_string("texts/follow_up.txt", context)
    assert "practitioner=1&y=2" in recall  # links whole, not escaped
    assert "https://c.example/n/y/" in recall
    assert len(follow_up) <= 160
    assert len(recall) <= 160
