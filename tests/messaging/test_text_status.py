"""Twilio's delivery receipts: signed or refused, states only forward, unknown ids
ignored, never a 500."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from messaging.models import TextMessage, TextState

SITE = "https://clinic.example"
TOKEN = "test-auth-token"
SID = "SM" + "a" * 32


@pytest.fixture
def twilio_settings(settings):
    settings.SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = TOKEN


@pytest.fixture
def sent(patient) -> TextMessage:
    now = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
    return TextMessage.objects.create(
        patient=patient,
        kind="reminder",
        to="+447400123456",
        body="Riverside: reminder.",
        send_after=now,
        state=TextState.SENT,
        sent_at=now,
        provider_id=SID,
    )


def post(client, form, *, token=TOKEN, query="", signature=None):
    path = reverse("messaging:text_status") + query
    if signature is None:
        signature = RequestValidator(token).compute_signature(SITE + path, form)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(path, form, headers=headers)


def receipt(status, sid=SID, error_code=""):
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "1" * 32}
    if error_code:
        form["ErrorCode"] = error_code
    return form


def test_delivered_is_recorded(client, twilio_settings, sent):
    response = post(client, receipt("delivered"))
    assert (response.status_code, response.content) == (200, b"delivered")
    sent.refresh_from_db()
    assert sent.state == TextState.DELIVERED
    assert sent.delivered_at is not None


def test_a_failure_keeps_the_providers_code(client, twilio_settings, sent):
    post(client, receipt("undelivered", error_code="30003"))
    sent.refresh_from_db()
    assert (sent.state, sent.error_code) == (TextState.FAILED, "30003")
    assert sent.reason == "not delivered (provider error 30003)"


def test_a_late_sent_after_delivered_changes_nothing(client, twilio_settings, sent):
    post(client, receipt("delivered"))
    response = post(client, receipt("sent"))
    assert response.content == b"unchanged"
    sent.refresh_from_db()
    assert sent.state == TextState.DELIVERED


def test_a_repeat_changes_nothing(client, twilio_settings, sent):
    post(client, receipt("failed", error_code="30005"))
    assert post(client, receipt("failed", error_code="30006")).content == b"unchanged"
    sent.refresh_from_db()
    assert sent.error_code == "30005"


def test_an_unknown_sid_is_ignored_with_200(client, twilio_settings, sent):
    response = post(client, receipt("delivered", sid="SM" + "b" * 32))
    assert (response.status_code, response.content) == (200, b"unknown")
    sent.refresh_from_db()
    assert sent.state == TextState.SENT


def test_an_uninteresting_status_is_ignored(client, twilio_settings, sent):
    assert post(client, receipt("sending")).content == b"ignored"


def test_our_reference_finds_the_text(client, twilio_settings, sent):
    response = post(client, receipt("delivered"), query=f"?m={sent.pk}")
    assert response.content == b"delivered"


def test_a_reference_to_another_text_does_not_move_it(client, twilio_settings, sent, patient):
    other = TextMessage.objects.create(
        patient=patient, kind="booked", to=sent.to, body="x", send_after=sent.send_after
    )
    post(client, receipt("delivered"), query=f"?m={other.pk}")
    other.refresh_from_db()
    assert other.state == TextState.QUEUED
    sent.refresh_from_db()
    assert sent.state == TextState.DELIVERED  # found by its own sid


@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong token", "tampered", "garbage"],
)
def test_an_unverified_receipt_is_refused(client, twilio_settings, sent, how):
    form = receipt("failed", error_code="30003")
    if how == "unsigned":
        response = post(client, form, signature="")
    elif how == "wrong token":
        response = post(client, form, token="someone-elses-token")
    elif how == "tampered":
        signature = RequestValidator(TOKEN).compute_signature(
            SITE + reverse("messaging:text_status"), receipt("delivered")
        )
        response = post(client, form, signature=signature)
    else:
        response = post(client, form, signature="not base64 at all ☃")
    assert response.status_code == 403
    sent.refresh_from_db()
    assert sent.state == TextState.SENT


def test_without_an_auth_token_nothing_verifies(client, settings, sent):
    settings.SITE_URL = SITE
    settings.TWILIO_AUTH_TOKEN = ""
    assert post(client, receipt("delivered"), token="").status_code == 403


def test_get_is_not_allowed(client, twilio_settings):
    assert client.get(reverse("messaging:text_status")).status_code == 405


def test_too_many_from_one_address_are_refused(client, twilio_settings, sent, monkeypatch):
    monkeypatch.setattr("messaging.views.texts.RECEIPTS_PER_IP_PER_HOUR", 2)
    assert post(client, receipt("sent")).status_code == 200
    assert post(client, receipt("sent")).status_code == 200
    assert post(client, receipt("delivered")).status_code == 429
    sent.refresh_from_db()
    assert sent.state == TextState.SENT


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MessageSid", "SM\x00abc"),
        ("MessageSid", "x" * 500),
        ("ErrorCode", "30003\x00<script>"),
    ],
)
def test_odd_values_get_a_clear_answer(client, twilio_settings, sent, field, value):
    form = receipt("failed", error_code="30003") | {field: value}
    response = post(client, form)
    assert response.status_code == 200
    sent.refresh_from_db()
    if field == "ErrorCode":
        assert (sent.state, sent.error_code) == (TextState.FAILED, "30003script")
    else:
        assert (response.content, sent.state) == (b"unknown", TextState.SENT)


@pytest.mark.parametrize("reference", ["²", "9" * 40, "-1", "1 OR 1=1"])
def test_odd_references_are_ignored(client, twilio_settings, sent, reference):
    response = post(client, receipt("delivered"), query="?" + urlencode({"m": reference}))
    assert (response.status_code, response.content) == (200, b"delivered")
