"""The desk's side of texts: the inbox of replies, marking one handled, the texts panel on
the patient page, consent recorded at the desk."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.services.changes import appointment_reschedule
from messaging.models import EmailRecord, InboundText, ReplyAction, TextConsent
from messaging.selectors import PANEL_LIMIT, failing_number, opted_out
from patients.models import PatientAccessLog
from tests import factories
from tests.factories import NOW, sent_text

SIGNED_IN = 5  # session, user, second factor, the user's and their groups' permissions


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def reply(
    *,
    sid: str,
    patient=None,
    body: str = "Running late, sorry",
    action=ReplyAction.FOR_DESK,
    minutes: int = 0,
):
    return InboundText.objects.create(
        provider_id=sid,
        from_number=str(patient.phone) if patient else "+447700900123",
        patient=patient,
        body=body,
        received_at=NOW + dt.timedelta(minutes=minutes),
        action=action,
    )


# --- The inbox -------------------------------------------------------------------------------


def test_the_inbox_lists_what_the_desk_must_read_unhandled_first(desk, rita, patient):
    handled = reply(sid="SM1", patient=patient, body="Old one", minutes=1)
    handled.handled_at, handled.handled_by = NOW, rita
    handled.save()
    reply(sid="SM2", body="Who is this?", minutes=2)
    reply(sid="SM3", patient=patient, body="Can't make it", action=ReplyAction.TOO_LATE)
    reply(sid="SM4", patient=patient, body="C", action=ReplyAction.CONFIRMED, minutes=3)

    response = desk.get(reverse("messaging_staff:replies"))

    assert response.status_code == 200
    bodies = [r.body for r in response.context["replies"]]
    assert bodies == ["Who is this?", "Can't make it", "Old one"]
    assert "unknown number" in response.text
    assert reverse("patients_staff:patient", args=[patient.pk]) in response.text
    # Each patient listed is logged as seen.
    assert PatientAccessLog.objects.filter(patient=patient, record="text replies").count() == 1


@pytest.mark.parametrize("count", [1, 30])
def test_the_inbox_costs_the_same_however_long(desk, patient, django_assert_num_queries, count):
    for n in range(count):
        reply(sid=f"SM{n}", patient=None if n % 2 else patient, minutes=n)
    # The replies (with patient and who handled them); the access-log rows in one insert.
    with django_assert_num_queries(SIGNED_IN + 2):
        response = desk.get(reverse("messaging_staff:replies"))
    assert len(response.context["replies"]) == count


def test_marking_a_reply_handled_records_who_and_when(desk, rita, patient):
    waiting = reply(sid="SM1", patient=patient)
    url = reverse("messaging_staff:reply_handled", args=[waiting.pk])
    assert desk.get(url).status_code == 405
    response = desk.post(url)
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.handled_at, waiting.handled_by) == (NOW, rita)
    # Twice: the first mark stands.
    later = factories.staff(username="paul", role="Receptionist")
    factories.signed_in(desk, later)
    desk.post(url)
    waiting.refresh_from_db()
    assert waiting.handled_by == rita


def test_a_staff_member_without_the_capability_is_refused(client, patient):
    factories.signed_in(client, factories.staff(username="nora"))
    waiting = reply(sid="SM1", patient=patient)
    assert client.get(reverse("messaging_staff:replies")).status_code == 403
    assert (
        client.post(reverse("messaging_staff:reply_handled", args=[waiting.pk])).status_code == 403
    )
    waiting.refresh_from_db()
    assert waiting.handled_at is None


def test_the_calendar_shows_how_many_replies_wait(desk, clinic, patient):
    reply(sid="SM1", patient=patient)
    reply(sid="SM2", patient=patient, action=ReplyAction.CONFIRMED)
    response = desk.get(reverse("staff:day", args=[clinic.location.slug]))
    assert response.context["replies_waiting"] == 1
    assert reverse("messaging_staff:replies") in response.text


# --- The patient page ------------------------------------------------------------------------


def test_the_patient_page_shows_texts_replies_and_consent(desk, clinic, patient):
    appointment = factories.book(clinic, patient, factories.at(10))
    sent_text(patient, appointment=appointment, body="See you Mon 11 Jan, 10:00.")
    reply(sid="SM1", patient=patient, body="Thanks!")
    TextConsent.objects.create(patient=patient, given=False, at=NOW, source="reply")

    response = desk.get(reverse("patients_staff:patient", args=[patient.pk]))

    assert "See you Mon 11 Jan, 10:00." in response.text
    assert "Thanks!" in response.text
    assert "opted out of texts" in response.text
    assert "failing" not in response.text
    # Reading it is the patient page's view, already logged.
    assert PatientAccessLog.objects.filter(patient=patient, record="patient page").exists()


@pytest.mark.parametrize("count", [1, PANEL_LIMIT + 5])
def test_the_texts_panel_shows_the_latest_at_a_fixed_cost(
    client, clinic, patient, django_assert_num_queries, count
):
    factories.signed_in(client, factories.staff(username="rita", role="Receptionist"))
    for n in range(count):
        sent_text(patient, body=f"Text number {n}.")
        reply(sid=f"SM{n}", patient=patient)
        TextConsent.objects.create(patient=patient, given=bool(n % 2), at=NOW, source="desk")
        EmailRecord.objects.create(
            patient=patient,
            kind="booked",
            to=patient.email,
            subject=f"Email {n}",
            state="sent",
            at=NOW,
        )
    url = reverse("patients_staff:patient", args=[patient.pk])
    # The patient; the access-log row; the appointments; the no-show and late-cancel counts;
    # the intake status; the locations; the waitlist entries (the desk reads no clinical
    # record: no clinical_access query); the messages panel: consent history, texts,
    # replies, emails, the failing-number check; the money of a desk that sees invoices:
    # packages, invoices, credit, payments (no appointments: no money states).
    with django_assert_num_queries(SIGNED_IN + 7 + 5 + 4):
        response = client.get(url)
    panel = response.context["texts"]
    assert len(panel.texts) == min(count, PANEL_LIMIT)
    assert panel.more_texts == (count > PANEL_LIMIT)
    assert len(panel.emails) == min(count, PANEL_LIMIT)
    assert ("All texts, replies and emails" in response.text) == (count > PANEL_LIMIT)
    everything = client.get(reverse("messaging_staff:patient_texts", args=[patient.pk]))
    assert len(everything.context["texts"].texts) == count
    assert len(everything.context["texts"].emails) == count


def test_a_number_whose_last_three_texts_failed_is_flagged(desk, patient):
    sent_text(patient, state="delivered")
    for _ in range(2):
        sent_text(patient, state="failed")
    assert not failing_number(patient)
    sent_text(patient, state="failed")
    assert failing_number(patient)
    page = desk.get(reverse("patients_staff:patient", args=[patient.pk]))
    assert "are failing: check the number" in page.text
    # A new number starts afresh.
    patient.phone = "+441134960555"
    patient.save()
    assert not failing_number(patient)


# --- Consent at the desk ---------------------------------------------------------------------


def test_the_desk_records_consent_given_and_withdrawn(desk, rita, patient):
    url = reverse("messaging_staff:consent_record", args=[patient.pk])
    assert desk.post(url, {"given": "no"}).status_code == 302
    assert opted_out(patient)
    desk.post(url, {"given": "yes"})
    assert not opted_out(patient)
    rows = list(TextConsent.objects.order_by("pk").values_list("given", "source", "recorded_by"))
    assert rows == [(False, "desk", rita.pk), (True, "desk", rita.pk)]


def test_a_consent_post_without_an_answer_records_nothing(desk, patient):
    url = reverse("messaging_staff:consent_record", args=[patient.pk])
    response = desk.post(url, {"given": "maybe"}, follow=True)
    assert "Choose whether the patient agrees to texts." in response.text
    assert not TextConsent.objects.exists()


# --- "Confirmed by patient" ------------------------------------------------------------------


def test_the_calendar_and_the_appointment_page_show_a_patients_confirmation(desk, clinic, patient):
    appointment = factories.book(clinic, patient, factories.at(10))
    day = reverse("staff:day", args=[clinic.location.slug]) + "?date=2027-01-11"
    page = reverse("staff:appointment", args=[appointment.reference])
    assert "confirmed by patient" not in desk.get(day).text
    assert "confirmed by patient" not in desk.get(page).text
    appointment.patient_confirmed_at = NOW
    appointment.save()
    assert "confirmed by patient" in desk.get(day).text
    assert "by text, Mon 4 Jan, 09:00 GMT" in desk.get(page).text


def test_moving_the_appointment_to_another_time_clears_the_confirmation(clinic, patient):
    appointment = factories.book(clinic, patient, factories.at(10))
    appointment.patient_confirmed_at = NOW
    appointment.save()
    moved = appointment_reschedule(
        appointment=appointment,
        start=factories.at(10),
        practitioner=clinic.bob,
        now=NOW,
        source="front_desk",
    )
    assert moved.patient_confirmed_at == NOW  # same time, another practitioner
    moved = appointment_reschedule(
        appointment=moved, start=factories.at(14), now=NOW, source="front_desk"
    )
    moved.refresh_from_db()
    assert moved.patient_confirmed_at is None
