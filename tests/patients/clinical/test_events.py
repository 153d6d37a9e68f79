"""After a completed session: the aftercare advice by email, a check-in link a day later,
answers that suggest a significant event create one; significant and serious events alert
the manager (nothing clinical in the email) and stay listed until closed. A lot-number
search finds every patient needled with that lot."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.tasks import task_backends
from django.test import Client
from django.urls import reverse

from booking.models import AppointmentStatus
from booking.notify.tasks import send_check_in
from booking.services.status import appointment_transition
from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from patients.clinical import events
from patients.clinical.errors import ClinicalError
from patients.models import AdverseEvent, AftercareAdvice, CheckIn, EventSeverity, PatientAccessLog
from tests import factories

NOW = dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.UTC)  # an hour after the first session
CLINICAL_WORDS = re.compile(r"pneumothorax|faint|bruis|needl|pain|sore|screening", re.I)


def clinical_words(text: str) -> list[str]:
    """Clinical words in an email, leaving out the clinic's own name."""
    return CLINICAL_WORDS.findall(text.replace(settings.CLINIC_NAME, ""))


@pytest.fixture
def deferred():
    backend = task_backends["deferred"]
    backend.clear()
    with time_machine.travel(NOW, tick=False):
        yield backend
    backend.clear()


def complete(clinic, patient, capture):
    appointment = factories.past_session(clinic, patient, 0, status=AppointmentStatus.CHECKED_IN)
    with capture(execute=True):
        appointment_transition(appointment=appointment, action="complete", now=NOW, by=None)
    return appointment


def test_completing_sends_the_aftercare_advice_and_schedules_the_check_in(
    clinic, patient, deferred, django_capture_on_commit_callbacks, mailoutbox
):
    AftercareAdvice.objects.create(body="Keep moving gently. Call us if worried.")
    appointment = complete(clinic, patient, django_capture_on_commit_callbacks)

    [email] = mailoutbox
    assert "Keep moving gently" in " ".join(email.body.split())  # wrapped at 72
    assert email.to == [patient.email]
    [check_in] = [r for r in deferred.results if r.task.name == "send_check_in"]
    assert check_in.task.run_after == NOW + dt.timedelta(hours=24)

    mailoutbox.clear()
    assert send_check_in.call(**check_in.kwargs) == "sent"
    [link_email] = mailoutbox
    path = re.search(r"https?://[^/]+(/visit/\S+/after/)", link_email.body).group(1)
    assert clinical_words(link_email.subject + link_email.body) == []
    page = Client().get(path)
    assert page.status_code == 200
    assert appointment.patient.last_name not in page.content.decode()


def test_check_in_answers_suggesting_an_event_create_one_and_alert_the_manager(
    clinic, patient, deferred, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.CLINIC_NOTIFY_EMAIL = "manager@clinic.example"
    factories.episode(patient)
    appointment = complete(clinic, patient, django_capture_on_commit_callbacks)
    [check_in] = [r for r in deferred.results if r.task.name == "send_check_in"]
    mailoutbox.clear()
    send_check_in.call(**check_in.kwargs)
    path = re.search(r"https?://[^/]+(/visit/\S+/after/)", mailoutbox[0].body).group(1)
    mailoutbox.clear()

    answers = {"soreness": "mild", "fainted": "on", "pain_now": "3", "comments": "Dizzy"}
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(path, answers)
        Client().post(path, answers)  # a second submission changes nothing

    assert response.status_code == 200
    assert CheckIn.objects.get().pain_now == 3
    event = AdverseEvent.objects.get()
    assert (event.type, event.severity, event.source) == ("fainting", "significant", "check_in")
    assert event.visit.appointment == appointment
    [alert] = mailoutbox
    assert alert.to == ["manager@clinic.example"]
    assert "An event needs review" in alert.subject
    assert "/staff/adverse-events/" in alert.body
    assert clinical_words(alert.subject + alert.body) == []
    assert patient.last_name not in alert.body


def test_a_mild_event_alerts_no_one_and_a_significant_one_is_listed_until_closed(
    clinic, patient, django_capture_on_commit_callbacks, mailoutbox
):
    visit = factories.signed_visit(clinic, patient, 0)
    kwargs = {
        "episode": visit.episode,
        "visit": visit,
        "source": "note",
        "reported_by": clinic.alice.user,
        "occurred_at": NOW,
    }
    with django_capture_on_commit_callbacks(execute=True):
        events.adverse_event_record(
            type="bruising", severity=EventSeverity.MILD, description="Small bruise", **kwargs
        )
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        serious = events.adverse_event_record(
            type="pneumothorax",
            severity=EventSeverity.SERIOUS,
            description="Breathless after upper trapezius",
            action_taken="Sent to A&E",
            **kwargs,
        )
    assert len(mailoutbox) == 1

    client = Client()
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    url = reverse("patients_staff:adverse_events")
    listed = client.get(url).content.decode()
    assert "Breathless after upper trapezius" in listed
    assert "Small bruise" not in listed
    with pytest.raises(ClinicalError):
        events.adverse_event_close(event=serious, by=clinic.alice.user, review_note=" ", now=NOW)
    client.post(
        reverse("patients_staff:event_close", args=[serious.pk]),
        {"review_note": "Discharged from A&E; no lasting harm"},
    )
    assert "Breathless" not in client.get(url).content.decode()
    serious.refresh_from_db()
    assert serious.closed_by == clinic.alice.user
    assert AdverseEvent.objects.count() == 2  # nothing deleted


def test_the_lot_search_finds_every_patient_needled_with_a_lot(clinic, patient):
    dana = factories.patient(first_name="Dana", email="dana@example.com")
    erin = factories.patient(first_name="Erin", email="erin@example.com")
    factories.signed_visit(clinic, patient, 0, lot="RECALL-7")
    factories.signed_visit(clinic, patient, 1, lot="OTHER-1")
    factories.signed_visit(clinic, dana, 2, lot="recall-7 ", practitioner=clinic.bob)
    factories.signed_visit(clinic, erin, 3, lot="OTHER-1")
    manager = factories.staff(username="mona", role=MANAGER)
    client = Client()
    factories.signed_in(client, manager)

    response = client.get(reverse("patients_staff:lot_search"), {"lot": "RECALL-7"})

    rows = response.context["rows"]
    assert sorted({row.note.visit.appointment.patient.first_name for row in rows}) == [
        "Charlie",
        "Dana",
    ]
    page = response.content.decode()
    assert "Charlie Patient" in page
    assert "Dana Patient" in page
    assert "Erin" not in page
    logged = PatientAccessLog.objects.filter(user=manager, record="lot search")
    assert {entry.patient_id for entry in logged} == {patient.pk, dana.pk}
    desk = Client()
    factories.signed_in(desk, factories.staff(username="rita", role=RECEPTIONIST))
    assert desk.get(reverse("patients_staff:lot_search"), {"lot": "RECALL-7"}).status_code == 403
