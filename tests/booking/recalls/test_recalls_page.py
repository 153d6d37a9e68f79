"""The desk's recalls page: who is due one and the recalls sent, paged, in a fixed number
of queries, for the roles with the recalls capability only."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from booking.models import RecallState
from booking.services.recalls import recall_decline, recalls_queue
from patients.models import Patient, PatientAccessLog
from tests import factories
from tests.factories import NOW

PAGE = reverse("staff:recalls")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def recalled_patient(clinic, n: int) -> Patient:
    patient = factories.patient(first_name=f"Recall{n}", email=f"recall{n}@example.com")
    factories.episode(patient)
    factories.past_session(clinic, patient, n)  # a week apart: one practitioner suffices
    return patient


@pytest.fixture
def due_every_month(clinic):
    clinic.follow_up.recall_after_days = 30
    clinic.follow_up.save()


def test_the_desk_sees_who_is_due_and_what_was_sent(desk, clinic, due_every_month):
    first, second = recalled_patient(clinic, 0), recalled_patient(clinic, 1)
    # Both are recalled; the first declines.
    [recall] = [r for r in recalls_queue(now=NOW) if r.patient_id == first.pk]
    recall.state, recall.sent_at = RecallState.SENT, NOW
    recall.save()
    recall_decline(recall_id=recall.pk, now=NOW)
    page = desk.get(PAGE)
    assert page.status_code == 200
    text = page.text
    assert "Recalls of the last 90 days (2)" in text
    assert "Declined" in text
    assert f"declined {NOW:%-d %b %Y}" in text
    assert first.full_name in text
    assert second.full_name in text
    assert "Queued" in text
    logged = PatientAccessLog.objects.filter(record="recalls").values_list("patient", flat=True)
    assert sorted(logged) == sorted([first.pk, second.pk])


def test_the_page_shows_due_patients_before_the_nightly_job(desk, clinic, due_every_month):
    patient = recalled_patient(clinic, 0)
    text = desk.get(PAGE).text
    assert "Due a recall (1)" in text
    assert patient.full_name in text
    assert "Follow-up dry needling" in text
    assert "No recalls yet." in text


def test_the_page_reads_in_fixed_queries(desk, clinic, due_every_month, django_assert_num_queries):
    recalled_patient(clinic, 0)
    recalls_queue(now=NOW)  # one recall sent, so neither list is empty
    desk.get(PAGE)  # warm the session
    for n in range(1, 5):
        if n % 2:
            recalls_queue(now=NOW)
        recalled_patient(clinic, n)  # due, after the queue ran
        # session, user, the second factor's device, the user's and the group's
        # permissions (5); due: open episodes, last sessions, what is booked (3); recent
        # recalls: count and page (2); the access log of the patients shown (1)
        with django_assert_num_queries(5 + 3 + 2 + 1):
            page = desk.get(PAGE)
        assert page.status_code == 200


def test_the_lists_are_paged(desk, clinic, due_every_month, monkeypatch):
    monkeypatch.setattr("booking.views.recalls.PER_PAGE", 2)
    for n in range(3):
        recalled_patient(clinic, n)
    first = desk.get(PAGE).text
    assert "Page 1 of 2" in first
    second = desk.get(PAGE, {"due": 2}).text
    assert "Page 2 of 2" in second
    assert desk.get(PAGE, {"due": "nonsense"}).status_code == 200


def test_someone_without_the_capability_is_refused(client, db):
    factories.signed_in(client, factories.staff(username="nora"))
    assert client.get(PAGE).status_code == 403


def test_nobody_is_due_a_day_early(desk, clinic, due_every_month):
    recalled_patient(clinic, 0)
    with time_machine.travel(factories.FIRST_SESSION + dt.timedelta(days=29), tick=False):
        assert "Nobody is due a recall." in desk.get(PAGE).text
