"""The inbound webhook, posted as Twilio posts it and signed with Twilio's own library."""

import datetime as dt
import threading

import pytest
from django.db import connection

from booking.models import AppointmentStatus
from messaging.models import InboundText, ReplyAction, TextConsent
from messaging.replies import reply_receive
from messaging.selectors import opted_out, text_consent
from tests import factories
from tests.factories import NOW, at, book, sent_text
from tests.messaging.inbound import ACCOUNT, TOKEN, form, post, signature, url

EMPTY = b'<?xml version="1.0" encoding="UTF-8"?><Response />'
CHARLIE = "+441134960000"  # the patient fixture's number
STRANGER = "+447700900123"


@pytest.fixture(autouse=True)
def twilio(settings, time_machine):
    time_machine.move_to(NOW, tick=False)
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = TOKEN


@pytest.fixture
def reminded(clinic, patient):
    """Charlie, booked for Monday 10:00 (a week away) and texted a reminder for it."""
    appointment = book(clinic, patient, at(10))
    sent_text(patient, appointment=appointment)
    return appointment


# --- Who may post --------------------------------------------------------------------------


def test_it_refuses_an_unsigned_post(client, reminded):
    response = client.post(url(), form(sid="SM1", sender=CHARLIE, body="C"))
    assert response.status_code == 403
    assert not InboundText.objects.exists()


def test_it_refuses_a_wrong_signature(client, reminded):
    data = form(sid="SM1", sender=CHARLIE, body="C")
    forged = signature(data, token="someone-elses-token")
    response = client.post(url(), data, headers={"X-Twilio-Signature": forged})
    assert response.status_code == 403
    # Signed for other fields than those posted.
    signed = signature(data)
    altered = data | {"Body": "X"}
    assert client.post(url(), altered, headers={"X-Twilio-Signature": signed}).status_code == 403
    assert not InboundText.objects.exists()
    reminded.refresh_from_db()
    assert reminded.patient_confirmed_at is None


def test_it_refuses_another_accounts_message(client, reminded):
    response = post(client, sid="SM1", sender=CHARLIE, body="C", account="AC" + "1" * 32)
    assert response.status_code == 403
    assert not InboundText.objects.exists()


def test_it_refuses_everything_without_an_auth_token(client, reminded, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    data = form(sid="SM1", sender=CHARLIE, body="C")
    sig = signature(data, token="")
    assert client.post(url(), data, headers={"X-Twilio-Signature": sig}).status_code == 403


def test_it_refuses_a_get(client):
    assert client.get(url()).status_code == 405


def test_it_answers_400_without_a_message_id(client, db):
    assert post(client, sid="", sender=CHARLIE, body="hello").status_code == 400
    assert not InboundText.objects.exists()


# --- Confirm and cancel --------------------------------------------------------------------


def test_c_confirms_the_appointment_texted_about(client, reminded):
    response = post(client, sid="SM1", sender=CHARLIE, body=" c ")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Message>Thank you for confirming. See you on Mon 11 Jan, 10:00." in response.content
    reminded.refresh_from_db()
    assert reminded.patient_confirmed_at == NOW
    assert reminded.status == AppointmentStatus.CONFIRMED
    reply = InboundText.objects.get()
    assert (reply.action, reply.patient, reply.appointment) == (
        "confirmed",
        reminded.patient,
        reminded,
    )


def test_a_replayed_delivery_acts_once(client, reminded):
    first = post(client, sid="SM1", sender=CHARLIE, body="X")
    assert b"is cancelled" in first.content
    again = post(client, sid="SM1", sender=CHARLIE, body="X")
    assert again.status_code == 200
    assert again.content == EMPTY
    assert InboundText.objects.count() == 1
    reminded.refresh_from_db()
    assert reminded.status == AppointmentStatus.CANCELLED


def test_x_cancels_outside_the_window_through_the_booking_service(client, reminded):
    response = post(client, sid="SM1", sender=CHARLIE, body="x")
    assert b"<Message>Your appointment on Mon 11 Jan, 10:00 is cancelled." in response.content
    reminded.refresh_from_db()
    assert reminded.status == AppointmentStatus.CANCELLED
    assert reminded.cancelled_at == NOW
    assert InboundText.objects.get().action == ReplyAction.CANCELLED


def test_x_inside_the_window_changes_nothing_and_asks_them_to_call(
    client, clinic, patient, settings
):
    today = book(clinic, patient, at(14, day=NOW.date()))  # five hours away
    sent_text(patient, appointment=today)
    response = post(client, sid="SM1", sender=CHARLIE, body="X")
    assert settings.CLINIC_PHONE.encode() in response.content
    assert b"too late" in response.content
    today.refresh_from_db()
    assert today.status == AppointmentStatus.CONFIRMED
    reply = InboundText.objects.get()
    assert (reply.action, reply.appointment, reply.handled_at) == ("too_late", today, None)


def test_c_without_an_upcoming_appointment_is_for_the_desk(client, clinic, patient):
    past = factories.appointment(clinic, patient, NOW - dt.timedelta(days=3), status="completed")
    sent_text(patient, appointment=past)
    response = post(client, sid="SM1", sender=CHARLIE, body="C")
    assert b"will reply if needed" in response.content
    assert InboundText.objects.get().action == ReplyAction.FOR_DESK
    past.refresh_from_db()
    assert past.patient_confirmed_at is None


def test_a_text_still_queued_is_not_what_they_reply_to(client, clinic, patient):
    appointment = book(clinic, patient, at(10))
    sent_text(patient, appointment=appointment, state="queued")
    post(client, sid="SM1", sender=CHARLIE, body="C")
    appointment.refresh_from_db()
    assert appointment.patient_confirmed_at is None


# --- Who it is from ------------------------------------------------------------------------


def test_the_answer_never_says_whether_a_number_is_a_patients(client, reminded):
    known = post(client, sid="SM1", sender=CHARLIE, body="Can I bring my son?")
    unknown = post(client, sid="SM2", sender=STRANGER, body="Can I bring my son?")
    assert known.content == unknown.content
    # "C" from a stranger reads as a patient with nothing to confirm does.
    assert post(client, sid="SM3", sender=STRANGER, body="C").content == known.content
    assert post(client, sid="SM4", sender=STRANGER, body="STOP").content == EMPTY


def test_an_unknown_number_is_kept_for_the_desk(client, patient):
    post(client, sid="SM1", sender=STRANGER, body="Who is this?")
    reply = InboundText.objects.get()
    assert (reply.patient, reply.from_number, reply.action) == (None, STRANGER, "for_desk")


def test_a_sender_that_is_not_a_number_is_kept_as_sent(client, db):
    post(client, sid="SM1", sender="ALPHANAME", body="hi")
    assert InboundText.objects.get().from_number == "ALPHANAME"


def test_a_number_in_another_format_finds_the_patient(client, reminded):
    post(client, sid="SM1", sender="0113 496 0000", body="C")
    reminded.refresh_from_db()
    assert reminded.patient_confirmed_at == NOW


def test_an_archived_patient_is_not_matched(client, reminded, patient):
    patient.is_archived = True
    patient.save()
    post(client, sid="SM1", sender=CHARLIE, body="C")
    assert InboundText.objects.get().patient is None


def test_a_family_number_is_the_patient_last_texted_there(client, clinic, patient, dana):
    dana.phone = CHARLIE
    dana.save()
    charlies = book(clinic, patient, at(10))
    danas = book(clinic, dana, at(11), practitioner=clinic.bob)
    sent_text(patient, appointment=charlies)
    sent_text(dana, appointment=danas, to=CHARLIE)  # the latest
    post(client, sid="SM1", sender=CHARLIE, body="C")
    reply = InboundText.objects.get()
    assert (reply.patient, reply.appointment) == (dana, danas)
    charlies.refresh_from_db()
    assert charlies.patient_confirmed_at is None


def test_a_family_number_never_texted_is_nobodys(client, patient, dana):
    dana.phone = CHARLIE
    dana.save()
    post(client, sid="SM1", sender=CHARLIE, body="hello")
    assert InboundText.objects.get().patient is None


# --- What is kept ----------------------------------------------------------------------------


def test_an_emoji_only_reply_is_kept_for_the_desk(client, reminded):
    response = post(client, sid="SM1", sender=CHARLIE, body="👍🙏")
    assert response.status_code == 200
    reply = InboundText.objects.get()
    assert (reply.body, reply.action) == ("👍🙏", "for_desk")


def test_a_2000_character_reply_is_kept_whole(client, reminded):
    body = "é" * 1999 + "!"
    post(client, sid="SM1", sender=CHARLIE, body=body)
    assert InboundText.objects.get().body == body


def test_a_longer_reply_keeps_its_start_and_says_it_was_cut(client, reminded):
    body = "Start of my message. " + "x" * 2600
    post(client, sid="SM1", sender=CHARLIE, body=body)
    kept = InboundText.objects.get().body
    assert len(kept) == 2000
    assert kept.startswith("Start of my message. xxx")
    assert kept.endswith("[cut: 2,621 characters in all]")


def test_a_nul_character_does_not_lose_the_reply(client, reminded):
    assert post(client, sid="SM1", sender=CHARLIE, body="a\x00b").status_code == 200
    assert InboundText.objects.get().body == "ab"


# --- STOP and START --------------------------------------------------------------------------


def test_stop_then_start_is_kept_as_history(client, reminded, patient, time_machine):
    stop = post(client, sid="SM1", sender=CHARLIE, body="Stop")
    assert stop.content == EMPTY  # Twilio sends its own confirmation
    assert opted_out(patient)
    time_machine.move_to(NOW + dt.timedelta(hours=1), tick=False)
    start = post(client, sid="SM2", sender=CHARLIE, body="START")
    assert start.content == EMPTY
    assert not opted_out(patient)
    consent = text_consent(patient)
    assert consent.given is True
    assert [(row.given, row.source, row.at) for row in consent.history] == [
        (True, "reply", NOW + dt.timedelta(hours=1)),
        (False, "reply", NOW),
    ]
    assert list(InboundText.objects.order_by("pk").values_list("action", flat=True)) == [
        "stop",
        "start",
    ]


def test_cancel_is_twilios_stop_and_cancels_nothing(client, reminded, patient):
    post(client, sid="SM1", sender=CHARLIE, body="CANCEL")
    reminded.refresh_from_db()
    assert reminded.status == AppointmentStatus.CONFIRMED
    assert opted_out(patient)


def test_stop_from_a_family_number_stops_everyone_on_it(client, patient, dana):
    dana.phone = CHARLIE
    dana.save()
    post(client, sid="SM1", sender=CHARLIE, body="STOP")
    assert opted_out(patient)
    assert opted_out(dana)


# --- Limits and races ------------------------------------------------------------------------


def test_replies_over_the_hourly_limit_are_kept_unanswered(client, reminded, patient):
    for n in range(10):
        assert b"<Message>" in post(client, sid=f"SM{n}", sender=CHARLIE, body="hi").content
    over = post(client, sid="SM10", sender=CHARLIE, body="C")
    assert over.content == EMPTY
    assert InboundText.objects.get(provider_id="SM10").action == "for_desk"
    reminded.refresh_from_db()
    assert reminded.patient_confirmed_at is None
    # STOP is honoured whatever the count.
    post(client, sid="SM11", sender=CHARLIE, body="STOP")
    assert opted_out(patient)


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_act_once(clinic, patient):
    appointment = book(clinic, patient, at(10))
    sent_text(patient, appointment=appointment)
    barrier = threading.Barrier(2)
    outcomes = []

    def deliver():
        try:
            barrier.wait()
            outcomes.append(
                reply_receive(
                    provider_id="SMrace", number=CHARLIE, raw_from=CHARLIE, body="X", now=NOW
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome.replay for outcome in outcomes) == [False, True]
    assert InboundText.objects.count() == 1
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert TextConsent.objects.count() == 0


def test_no_answer_carries_a_clinical_word(client, clinic, patient, settings):
    from tests.patients.views.test_intake import CLINICAL_WORDS

    later = book(clinic, patient, at(10))
    today = book(clinic, patient, at(14, day=NOW.date()))
    sent_text(patient, appointment=later)
    answers = [post(client, sid="SM1", sender=CHARLIE, body="C").content]
    answers.append(post(client, sid="SM2", sender=CHARLIE, body="X").content)
    sent_text(patient, appointment=today)
    answers.append(post(client, sid="SM3", sender=CHARLIE, body="X").content)
    answers.append(post(client, sid="SM4", sender=CHARLIE, body="my neck hurts").content)
    assert all(b"<Message>" in answer for answer in answers)
    for answer in answers:
        # The clinic's own name says what it does, and says nothing about the patient.
        text = answer.replace(settings.CLINIC_NAME.encode(), b"").lower()
        assert not [word for word in CLINICAL_WORDS if word.encode() in text], answer


@pytest.mark.parametrize("texts", [1, 30])
def test_a_reply_for_the_desk_costs_a_fixed_number_of_queries(
    client, reminded, patient, django_assert_num_queries, texts
):
    for _ in range(texts - 1):
        sent_text(patient, appointment=reminded)
    # The patients on the number; the transaction's savepoint (the test's own transaction
    # makes it one), the insert's savepoint, the insert, its release; the rate limit's
    # lock and its count-and-record; the action saved; the release.
    with django_assert_num_queries(9):
        response = post(client, sid="SM1", sender=CHARLIE, body="Running late")
    assert response.status_code == 200


def test_a_cancellation_by_text_is_followed_as_one_by_the_manage_link(
    client, reminded, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, sid="SM1", sender=CHARLIE, body="X")
    [email] = mailoutbox
    assert "cancelled" in email.subject.lower()
    assert email.to == [reminded.patient.email]
