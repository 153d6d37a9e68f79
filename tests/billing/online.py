"""What the online payment tests share: the patient's steps on our pages, the stand-in's
deliveries picked out by type, and events signed with the clinic's webhook secret."""

import hashlib
import hmac
import json
import time

from django.test import Client

from billing.links import pay_path
from clinic.stripe_client import WEBHOOK_PATH
from tests.stripe_fixtures import WEBHOOK_SECRET


def open_checkout(client: Client, invoice) -> str:
    """The patient opens the emailed link and presses "Pay by card": Stripe's page."""
    assert client.get(pay_path(invoice)).status_code == 200
    response = client.post(pay_path(invoice))
    assert response.status_code == 303, response.content
    return response["Location"]


def delivery(receiver, event_type: str, about: str) -> tuple[bytes, str]:
    """The raw body and signature of the stand-in's delivery of this event, as it came."""
    receiver.wait_for(event_type, about)
    with receiver.arrived:
        for body, signature in receiver.deliveries:
            event = json.loads(body)
            if event["type"] == event_type and event["data"]["object"]["id"] == about:
                return body, signature
    raise AssertionError(f"no {event_type} for {about}")


def signed(event: dict, *, secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    """An event signed as Stripe signs it (HMAC-SHA256 of "<timestamp>.<body>")."""
    body = json.dumps(event).encode()
    timestamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return body, f"t={timestamp},v1={mac.hexdigest()}"


def deliver(client: Client, body: bytes, signature: str):
    return client.post(
        WEBHOOK_PATH, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def session_id_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def wait_for_type(receiver, event_type: str, *, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(event.type == event_type for event in receiver.events()):
            return
        time.sleep(0.1)
    raise AssertionError(f"No {event_type} within {seconds} s")
