"""The local Stripe for tests: the stand-in (bin/stripe_standin.py, localstripe behind it)
started once per test session, the clinic's Stripe settings pointing at it, and a small
webhook receiver that verifies what arrives with stripe-python."""

import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
import requests
import stripe

from tests.standins import standin

SECRET_KEY = "sk_test_clinic_tests"
WEBHOOK_SECRET = "whsec_clinic_tests"


@dataclass
class StripeStandin:
    url: str
    process: subprocess.Popen

    def register_webhook(self, *, url: str, secret: str = WEBHOOK_SECRET) -> None:
        """Events from now on go to `url` (the clinic's endpoint: there is one at a time)."""
        answer = requests.post(
            f"{self.url}/_config/webhooks/clinic",
            data=urlencode({"url": url, "secret": secret}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=10,
        )
        answer.raise_for_status()

    def pay(self, session_url: str, *, card: str = "succeeds") -> requests.Response:
        """What the patient does on Stripe's page: pick a test card and pay, or save it on
        a setup session's page. Answers 303 to the success_url once done; 402 when the card
        is declined; 200 with the bank's challenge when it asks to authenticate (then
        `authenticate`). The cards (stripe_checkout.TEST_CARDS), as at Stripe:

        - "succeeds" (4242…): pays; saved, every later charge succeeds;
        - "declined" (…0341): declined when paying; saves fine, then every later charge is
          declined (card_declined);
        - "authentication" (…3155): a challenge when paying or saving; once saved, later
          off-session charges succeed without one;
        - "authentication_always" (…3184): a challenge every time; an off-session charge
          fails with authentication_required.
        """
        return requests.post(session_url, data={"card": card}, allow_redirects=False, timeout=10)

    def save_card(self, session_url: str, *, card: str = "succeeds") -> requests.Response:
        """`pay`, in the words of a setup session: the patient saves a card, charged nothing."""
        return self.pay(session_url, card=card)

    def authenticate(self, session_url: str, *, success: bool = True) -> requests.Response:
        """The patient answers the bank's challenge: 303 to the success_url once done."""
        return requests.post(
            f"{session_url}/authenticate",
            data={"outcome": "complete" if success else "fail"},
            allow_redirects=False,
            timeout=10,
        )


@pytest.fixture(scope="session")
def stripe_standin() -> Iterator[StripeStandin]:
    """The stand-in on a free port, for the whole test session; stopped (localstripe with
    it) at the end."""
    with standin("stripe_standin.py", name="Stripe") as (url, process):
        yield StripeStandin(url=url, process=process)


@pytest.fixture
def online_payments(settings, stripe_standin) -> StripeStandin:
    """The clinic's Stripe settings for this test, pointing at the stand-in."""
    settings.CLINIC_ONLINE_PAYMENTS = True
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_standin.url
    return stripe_standin


@dataclass
class WebhookReceiver:
    """Deliveries as they arrive: the raw body and its Stripe-Signature header."""

    url: str = ""
    deliveries: list[tuple[bytes, str]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def events(self) -> list[stripe.Event]:
        """Every delivery so far, verified as the clinic verifies them."""
        with self.arrived:
            deliveries = list(self.deliveries)
        return [
            stripe.Webhook.construct_event(body, signature, WEBHOOK_SECRET)
            for body, signature in deliveries
        ]

    def wait_for(self, event_type: str, about: str, *, seconds: float = 10) -> stripe.Event:
        """The first verified event of this type whose object has the id `about`."""
        deadline = time.monotonic() + seconds
        while True:
            for event in self.events():
                if event.type == event_type and event.data.object["id"] == about:
                    return event
            with self.arrived:
                if not self.arrived.wait(timeout=deadline - time.monotonic()):
                    pytest.fail(f"No {event_type} event for {about} within {seconds} s")


def _receiver_handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with receiver.arrived:
                receiver.deliveries.append((body, self.headers.get("Stripe-Signature", "")))
                receiver.arrived.notify_all()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):
            pass

    return Handler


@pytest.fixture
def stripe_webhooks(stripe_standin) -> Iterator[WebhookReceiver]:
    """A real HTTP endpoint in a thread, registered with the stand-in for this test."""
    receiver = WebhookReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _receiver_handler(receiver))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/"
    stripe_standin.register_webhook(url=receiver.url)
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join()
