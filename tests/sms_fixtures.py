"""The local Twilio for tests: the stand-in (bin/sms_standin.py) started once per test
session, and a fixture that points the clinic's texts at it, with a live server for the
delivery receipts it posts back."""

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
import requests

import messaging
from tests.standins import standin

if TYPE_CHECKING:
    from messaging.models import TextMessage

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "clinic-tests-twilio-token"
FROM = "+447400000100"


@dataclass
class SmsStandin:
    url: str
    process: subprocess.Popen

    def messages(self) -> list[dict]:
        """Every text the stand-in took, with the receipts it posted for each."""
        answer = requests.get(f"{self.url}/_standin/messages", timeout=10)
        answer.raise_for_status()
        return answer.json()["messages"]

    def message(self, sid: str) -> dict:
        [found] = [m for m in self.messages() if m["sid"] == sid]
        return found

    def wait_for_callbacks(self, sid: str, count: int, *, seconds: float = 10) -> list[dict]:
        """The receipts posted for the text ``sid`` (and answered), once there are
        ``count`` of them."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            callbacks = self.message(sid)["callbacks"]
            if len(callbacks) >= count:
                return callbacks
            time.sleep(0.05)
        pytest.fail(f"Fewer than {count} receipts for {sid} within {seconds} s")

    def inbound(
        self, *, url: str, from_: str, body: str, to: str = FROM, sid: str = ""
    ) -> requests.Response:
        """A patient's text to the clinic: the stand-in posts Twilio's signed inbound
        webhook to ``url`` and answers with the app's answer. ``sid`` replays one."""
        form = {"To": to, "From": from_, "Body": body, "Url": url}
        if sid:
            form["MessageSid"] = sid
        return requests.post(f"{self.url}/_standin/inbound", data=form, timeout=20)


@pytest.fixture(scope="session")
def sms_standin() -> Iterator[SmsStandin]:
    """The stand-in on a free port, for the whole test session."""
    arguments = ("--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN)
    with standin("sms_standin.py", *arguments, "--callback-delay", "0.05", name="SMS") as (
        url,
        process,
    ):
        yield SmsStandin(url=url, process=process)


@pytest.fixture
def twilio_texts(settings, sms_standin, live_server) -> SmsStandin:
    """Texts through the real Twilio client to the stand-in, for this test; SITE_URL is
    the live server, so the receipts the stand-in posts reach the app and verify."""
    settings.TEXTERS = {"default": {"BACKEND": "messaging.backends.twilio.TextBackend"}}
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM = FROM
    settings.TWILIO_API_BASE = sms_standin.url
    settings.SITE_URL = live_server.url
    return sms_standin


@pytest.fixture(autouse=True)
def text_outbox() -> Iterator[list]:
    """messaging.outbox, emptied for each test (as pytest-django's mailoutbox)."""
    messaging.outbox.clear()
    yield messaging.outbox
    messaging.outbox.clear()


def wait_for_state(message: "TextMessage", state: str, *, seconds: float = 10) -> "TextMessage":
    """The text once the stand-in's receipts have moved it to ``state``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.state == state:
            return message
        time.sleep(0.05)
    pytest.fail(f"Text {message.pk} is {message.state}, not {state}, after {seconds} s")
