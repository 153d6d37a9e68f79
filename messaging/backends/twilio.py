"""Production: texts through Twilio's REST API with Twilio's own client library.

TWILIO_API_BASE (development and tests only) sends the client's requests to a local
stand-in (bin/sms_standin.py) instead of https://api.twilio.com; nothing else changes, so
the tests exercise the client as production uses it. Each text asks Twilio to report its
delivery to our status callback (messaging.views.texts.text_status).
"""

from typing import Any, override

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from messaging.backends.base import BaseTextBackend, ProviderUnreachable, Text, TextRefused

TWILIO_API = "https://api.twilio.com"
TIMEOUT_SECONDS = 10


class RedirectedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with its API's address replaced by ``base``."""

    def __init__(self, base: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = base.rstrip("/")

    @override
    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def status_callback_url(reference: int | None = None) -> str:
    """Where Twilio reports the text's delivery. Our id rides along, so a receipt that
    arrives before the sending worker has stored Twilio's id waits for it (the view locks
    the row) instead of being dropped as unknown."""
    url = settings.SITE_URL + reverse("messaging:text_status")
    return url if reference is None else f"{url}?m={reference}"


def client() -> Client:
    http = (
        RedirectedHttpClient(settings.TWILIO_API_BASE, timeout=TIMEOUT_SECONDS)
        if settings.TWILIO_API_BASE
        else TwilioHttpClient(timeout=TIMEOUT_SECONDS)
    )
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http)


class TextBackend(BaseTextBackend):
    @override
    def send(self, text: Text) -> str:
        sender: dict[str, str] = (
            {"messaging_service_sid": settings.TWILIO_FROM}
            if settings.TWILIO_FROM.startswith("MG")
            else {"from_": settings.TWILIO_FROM}
        )
        try:
            message = client().messages.create(
                to=text.to,
                body=text.body,
                status_callback=status_callback_url(text.reference),
                **sender,
            )
        except TwilioRestException as error:
            if error.status >= 500:
                raise ProviderUnreachable(f"Twilio answered {error.status}") from error
            raise TextRefused(str(error.msg), code=str(error.code or error.status)) from error
        except requests.RequestException as error:
            raise ProviderUnreachable(str(error)) from error
        assert message.sid is not None
        return message.sid
