#!/usr/bin/env python3
"""A local, stateful Stripe for the demo and the tests (docs/decisions/0095).

localstripe (GPL-3, run as a child process and never imported) keeps customers, payment
methods, PaymentIntents, charges and refunds. This front adds what it lacks: Checkout
Sessions and their hosted payment page, idempotency keys, and the charge.refunded event;
it forwards every other /v1/ request to localstripe unchanged, so stripe-python talks to
one address. Webhooks go to the registered endpoints signed as Stripe signs them.

    .venv/bin/python bin/stripe_standin.py --port 8001 \
        --webhook-url http://127.0.0.1:8000/billing/stripe/webhook/ \
        --webhook-secret whsec_demo

With --port 0 it takes a free port. Once it serves, it prints one line,
"Local Stripe (test cards, no account) ready at http://127.0.0.1:PORT", and it stops
localstripe when it stops.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import stripe
from stripe_checkout import (
    JSON,
    MESSAGES,
    SET_UP_ONCE,
    TEST_CARDS,
    StripeError,
    challenge,
    form_encode,
    new_session,
    page_html,
    parse_form,
    payment_form,
    public,
    random_id,
    whole,
)

HOST = "127.0.0.1"
WEBHOOK_ATTEMPTS = 3


# Webhooks ------------------------------------------------------------------------------


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Webhooks:
    """The registered endpoints; each event goes to each in a thread of its own, retried a
    few times on an error or a non-2xx answer, as Stripe retries (for days, there)."""

    endpoints: dict[str, tuple[str, str]] = field(default_factory=dict)
    retry_seconds: float = 1.0

    def send(self, event_type: str, data: JSON) -> JSON:
        event = {
            "id": random_id("evt_"),
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "data": {"object": data},
            "livemode": False,
            "pending_webhooks": len(self.endpoints),
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        for url, secret in list(self.endpoints.values()):
            threading.Thread(target=self._deliver, args=(event, url, secret), daemon=True).start()
        return event

    def _deliver(self, event: JSON, url: str, secret: str) -> None:
        payload = json.dumps(event, indent=2).encode()
        for attempt in range(WEBHOOK_ATTEMPTS):
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature_header(payload, secret, int(time.time())),
            }
            try:
                status, _body, _type = http_request("POST", url, payload, headers)
            except OSError as error:
                status, reason = 0, str(error)
            else:
                reason = str(status)
            print(f"webhook {event['type']} {event['id']} -> {url}: {reason}", file=sys.stderr)
            if 200 <= status < 300:
                return
            if attempt + 1 < WEBHOOK_ATTEMPTS:
                time.sleep(self.retry_seconds * 2**attempt)


def http_request(
    method: str, url: str, body: bytes | None, headers: dict[str, str]
) -> tuple[int, bytes, str]:
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or HOST, parts.port, timeout=10)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path or "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Content-Type", "")
    finally:
        connection.close()


# The stand-in's state and its API ----------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: JSON) -> Reply:
        return cls(status, json.dumps(data, indent=2).encode())


SESSION_ROUTE = re.compile(
    r"/v1/checkout/sessions(?:/(?P<id>cs_\w+)(?P<action>/expire|/line_items)?)?"
)
SECRET_KEY = re.compile(r"Bearer (sk|rk)_\w+")
INTENT_ROUTE = re.compile(r"/v1/payment_intents/pi_\w+")
EXPAND = re.compile(r"expand(\[\d*\])?")
# What a Checkout Session's expand[] may name, and where localstripe keeps it.
EXPANDABLE = {
    "customer": "/v1/customers",
    "payment_intent": "/v1/payment_intents",
    "setup_intent": "/v1/setup_intents",
}
AUTHENTICATION_REQUIRED = "Your card was declined. This transaction requires authentication."


def expand_paths(encoded: str) -> list[str]:
    """expand[]=a&expand[0]=b.c, as stripe-python and others send it."""
    return [value for key, value in parse_qsl(encoded) if EXPAND.fullmatch(key)]


@dataclass
class Standin:
    localstripe_url: str
    base_url: str = ""
    verbose: bool = False
    webhooks: Webhooks = field(default_factory=Webhooks)
    sessions: dict[str, JSON] = field(default_factory=dict)
    # The test card behind each PaymentMethod the hosted page made, and those of them set up
    # for later payments (by a SetupIntent or setup_future_usage): off-session charges
    # depend on both, as at Stripe.
    cards: dict[str, str] = field(default_factory=dict)
    set_up: set[str] = field(default_factory=set)
    # What localstripe does not keep on a PaymentIntent (description, Stripe's full
    # last_payment_error), laid over its answers by `intent_view`.
    intent_extras: dict[str, JSON] = field(default_factory=dict)
    replies: dict[tuple[str, str], tuple[bytes, Reply]] = field(default_factory=dict)
    locks: dict[str, threading.Lock] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def lock(self, name: str) -> threading.Lock:
        # One lock per Checkout Session (one payment each, whatever the double clicks) and
        # per idempotency key (a repeated request waits for the first one's answer).
        with self.guard:
            return self.locks.setdefault(name, threading.Lock())

    def dispatch(self, method: str, target: str, body: bytes, headers: Message) -> Reply:
        path, _, query = target.partition("?")
        if path.startswith("/pay/"):
            return hosted_page(self, method, path, body)
        if method == "POST" and path.startswith("/_config/webhooks/"):
            return self.register_webhook(path.rsplit("/", 1)[-1], parse_form(body.decode()))
        if path == "/_standin/ready":
            return Reply(200, b"ready\n", "text/plain")
        if not path.startswith("/v1/"):
            raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
        key = headers.get("Idempotency-Key")
        if method == "POST" and key:
            return self.idempotent(
                (headers.get("Authorization", ""), key),
                path.encode() + body,
                lambda: self.api(method, path, query, body, headers),
            )
        return self.api(method, path, query, body, headers)

    def idempotent(self, key: tuple[str, str], request: bytes, run: Callable[[], Reply]) -> Reply:
        """Stripe's idempotency keys, which localstripe ignores: the same key and parameters
        replay the first answer; the same key with other parameters is an error."""
        with self.lock("idempotency:" + "|".join(key)):
            if key in self.replies:
                first_request, reply = self.replies[key]
                if first_request != request:
                    raise StripeError(
                        400,
                        "Keys for idempotent requests can only be used with "
                        "the same parameters they were first used with.",
                        kind="idempotency_error",
                    )
                return Reply(
                    reply.status, reply.body, reply.content_type, {"Idempotent-Replayed": "true"}
                )
            reply = run()
            if reply.status < 500:  # as Stripe, a server error is not saved: a retry runs again
                self.replies[key] = (request, reply)
            return reply

    def api(self, method: str, path: str, query: str, body: bytes, headers: Message) -> Reply:
        auth = headers.get("Authorization", "")
        route = SESSION_ROUTE.fullmatch(path)
        if route is None:
            if method == "POST" and path == "/v1/payment_intents":
                return Reply.json(200, self.create_intent(parse_form(body.decode()), auth))
            reply = self.forward(method, path, query, body, headers)
            if method == "POST" and path == "/v1/refunds" and reply.status == 200:
                self.refunded(json.loads(reply.body), auth)
            if method == "GET" and INTENT_ROUTE.fullmatch(path) and reply.status == 200:
                return Reply.json(200, self.intent_view(json.loads(reply.body)))
            return reply
        if not SECRET_KEY.fullmatch(auth):
            raise StripeError(401, "Invalid API Key provided.")
        session_id, action = route["id"], route["action"]
        if method == "POST" and not session_id:
            session = new_session(
                parse_form(body.decode()), base_url=self.base_url, now=int(time.time())
            )
            session["_auth"] = auth
            with self.guard:
                self.sessions[session["id"]] = session
            return Reply.json(200, self.session_view(session, expand_paths(body.decode()), auth))
        if method == "GET" and not session_id:
            return Reply.json(200, self.list_sessions(parse_form(query)))
        if method == "GET" and not action:
            session = self.session(session_id)
            return Reply.json(200, self.session_view(session, expand_paths(query), auth))
        if method == "GET" and action == "/line_items":
            items = self.session(session_id)["_line_items"]
            return Reply.json(
                200, {"object": "list", "data": items, "has_more": False, "url": f"{path}"}
            )
        if method == "POST" and action == "/expire":
            return Reply.json(200, self.expire(session_id))
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    def forward(self, method: str, path: str, query: str, body: bytes, headers: Message) -> Reply:
        passed = {
            name: headers[name]
            for name in ("Authorization", "Content-Type", "Stripe-Version")
            if headers.get(name)
        }
        url = self.localstripe_url + path + (f"?{query}" if query else "")
        status, answer, content_type = http_request(method, url, body or None, passed)
        return Reply(status, answer, content_type or "application/json")

    def localstripe(self, method: str, path: str, auth: str, params: JSON) -> JSON:
        headers = {"Authorization": auth, "Content-Type": "application/x-www-form-urlencoded"}
        encoded = form_encode(params)
        if method == "GET":
            url, body = self.localstripe_url + path + (f"?{encoded}" if encoded else ""), None
        else:
            url, body = self.localstripe_url + path, encoded.encode()
        status, answer, _type = http_request(method, url, body, headers)
        data = json.loads(answer)
        if status >= 400:
            error = dict(data.get("error", {}))
            message = str(error.pop("message", "localstripe failed"))
            error.pop("type", None)
            raise StripeError(status, message, details=error)
        return data

    def register_webhook(self, endpoint_id: str, params: JSON) -> Reply:
        url, secret = str(params.get("url", "")), str(params.get("secret", ""))
        if not url.startswith(("http://", "https://")) or not secret:
            raise StripeError(400, "A webhook needs an http(s) url and a secret.")
        # localstripe signs its own events (payment_intent.*) for the same endpoint.
        status, _answer, _type = http_request(
            "POST",
            f"{self.localstripe_url}/_config/webhooks/{endpoint_id}",
            json.dumps({"url": url, "secret": secret}).encode(),
            {"Content-Type": "application/json"},
        )
        if status != 200:
            raise StripeError(502, "localstripe refused the webhook endpoint.")
        self.webhooks.endpoints[endpoint_id] = (url, secret)
        return Reply(200, b"", "text/plain")

    def session(self, session_id: str) -> JSON:
        with self.guard:
            if session_id not in self.sessions:
                raise StripeError(404, f"No such checkout.session: '{session_id}'", param="id")
            return self.sessions[session_id]

    def list_sessions(self, params: JSON) -> JSON:
        with self.guard:
            found = [
                public(s)
                for s in self.sessions.values()
                if params.get("payment_intent") in (None, s["payment_intent"])
                and params.get("customer") in (None, s["customer"])
            ]
        found.sort(key=lambda session: session["created"], reverse=True)
        limit = whole(params.get("limit", "10"), "limit", minimum=1)
        return {
            "object": "list",
            "data": found[:limit],
            "has_more": len(found) > limit,
            "url": "/v1/checkout/sessions",
        }

    def expire(self, session_id: str) -> JSON:
        with self.lock(session_id):
            session = self.session(session_id)
            if session["status"] != "open":
                raise StripeError(
                    400,
                    "Only Checkout Sessions with a status of open can be "
                    f"expired; this one is {session['status']}.",
                )
            session.update(status="expired", url=None)
            self.webhooks.send("checkout.session.expired", public(session))
            return public(session)

    def expire_due(self) -> None:
        """Stripe expires an open session at its expires_at and says so in an event."""
        while True:
            time.sleep(1)
            now = time.time()
            with self.guard:
                due = [
                    s["id"]
                    for s in self.sessions.values()
                    if s["status"] == "open" and s["expires_at"] <= now
                ]
            for session_id in due:
                with contextlib.suppress(StripeError):  # paid or expired meanwhile
                    self.expire(session_id)

    def refunded(self, refund: JSON, auth: str) -> None:
        # localstripe records refunds but sends no event for them; Stripe sends these two.
        charge = self.localstripe("GET", f"/v1/charges/{refund['charge']}", auth, {})
        self.webhooks.send("refund.created", refund)
        self.webhooks.send("charge.refunded", charge)

    def session_view(self, session: JSON, expand: list[str], auth: str) -> JSON:
        """The session as Stripe answers it, with expand[] followed into localstripe's
        objects (setup_intent.payment_method: the saved card's brand, last4, expiry)."""
        view = public(session)
        nested: dict[str, list[str]] = {}
        for path in expand:
            head, _, rest = path.partition(".")
            if head not in EXPANDABLE and head != "line_items":
                raise StripeError(400, f"This property cannot be expanded ({path}).")
            nested.setdefault(head, []).extend([rest] if rest else [])
        for head, rests in nested.items():
            if head == "line_items":
                view[head] = {
                    "object": "list",
                    "data": session["_line_items"],
                    "has_more": False,
                    "url": f"/v1/checkout/sessions/{session['id']}/line_items",
                }
            elif isinstance(view[head], str):
                params = {"expand": rests} if rests else {}
                found = self.localstripe("GET", f"{EXPANDABLE[head]}/{view[head]}", auth, params)
                view[head] = self.intent_view(found) if head == "payment_intent" else found
        return view

    # PaymentIntents made through the API: charging a saved card

    def create_intent(self, params: JSON, auth: str) -> JSON:
        """POST /v1/payment_intents as Stripe answers it. localstripe keeps no description,
        takes off_session without acting on it and answers a declined card as a request
        error; here a refused card is a 402 card_error carrying the PaymentIntent, and an
        off-session charge of a card that wants its holder (3184, or a card never set up)
        fails with authentication_required, as at Stripe."""
        description = params.pop("description", None)
        off_session = str(params.pop("off_session", "")).lower() == "true"
        confirm = str(params.pop("confirm", "")).lower() == "true"
        if off_session and not confirm:
            raise StripeError(
                400, "off_session can only be used when confirm=true.", param="off_session"
            )
        intent = self.localstripe("POST", "/v1/payment_intents", auth, params)
        self.intent_extras[intent["id"]] = {"description": description}
        if not confirm:
            return self.intent_view(intent)
        try:
            intent = self.localstripe(
                "POST", f"/v1/payment_intents/{intent['id']}/confirm", auth, {}
            )
        except StripeError as error:
            if error.status != 402:
                raise
            # localstripe has sent payment_intent.payment_failed already.
            raise self.declined(intent["id"], auth, error) from None
        if intent["status"] == "requires_action" and off_session:
            intent = self.authenticate_off_session(intent, auth)
        return self.intent_view(intent)

    def authenticate_off_session(self, intent: JSON, auth: str) -> JSON:
        """Nobody is there to answer the bank. A card set up for later with a one-time
        challenge (3155) pays without one, as Stripe's exemptions allow; any other card
        fails, the PaymentIntent back to requires_payment_method."""
        method = str(intent["payment_method"])
        answer = {"client_secret": intent["client_secret"]}
        if method in self.set_up and self.cards.get(method) in SET_UP_ONCE:
            try:
                return self.localstripe(
                    "POST",
                    f"/v1/payment_intents/{intent['id']}/_authenticate",
                    auth,
                    {**answer, "success": "true"},
                )
            except StripeError as error:
                if error.status != 402:
                    raise
                raise self.declined(intent["id"], auth, error) from None
        self.localstripe(
            "POST",
            f"/v1/payment_intents/{intent['id']}/_authenticate",
            auth,
            {**answer, "success": "false"},
        )
        card = self.localstripe("GET", f"/v1/payment_methods/{method}", auth, {})
        details = {"code": "authentication_required", "decline_code": "authentication_required"}
        self.intent_extras[intent["id"]]["last_payment_error"] = {
            **details,
            "type": "card_error",
            "message": AUTHENTICATION_REQUIRED,
            "payment_method": card,
        }
        failed = self.intent_view(
            self.localstripe("GET", f"/v1/payment_intents/{intent['id']}", auth, {})
        )
        # localstripe sends nothing when an authentication fails; Stripe sends this.
        self.webhooks.send("payment_intent.payment_failed", failed)
        raise StripeError(
            402,
            AUTHENTICATION_REQUIRED,
            kind="card_error",
            details={**details, "payment_intent": failed, "payment_method": card},
        )

    def declined(self, intent_id: str, auth: str, error: StripeError) -> StripeError:
        """localstripe's decline, in Stripe's shape: a card_error naming the charge, the
        PaymentIntent (requires_payment_method) and the card."""
        intent = self.localstripe("GET", f"/v1/payment_intents/{intent_id}", auth, {})
        card = self.localstripe("GET", f"/v1/payment_methods/{intent['payment_method']}", auth, {})
        details = {
            "code": error.body["error"].get("code", "card_declined"),
            "decline_code": "generic_decline",
        }
        if charge := error.body["error"].get("charge"):
            details["charge"] = charge
        self.intent_extras[intent_id]["last_payment_error"] = {
            **(intent.get("last_payment_error") or {}),
            **details,
            "type": "card_error",
            "payment_method": card,
        }
        return StripeError(
            402,
            str(error),
            kind="card_error",
            details={**details, "payment_intent": self.intent_view(intent), "payment_method": card},
        )

    def intent_view(self, intent: JSON) -> JSON:
        extras = self.intent_extras.get(intent["id"], {})
        view = {**intent, "description": intent.get("description", extras.get("description"))}
        if intent.get("last_payment_error") and "last_payment_error" in extras:
            view["last_payment_error"] = extras["last_payment_error"]
        return view

    # Paying, or saving a card, on the hosted page

    def pay(self, session_id: str, card: str) -> str:
        """Pays an open session with a test card, or saves the card (mode=setup):
        "complete", "declined", "authenticate" (the bank wants a challenge first), or the
        session's status if not open."""
        with self.lock(session_id):
            session = self.session(session_id)
            if session["status"] != "open":
                return str(session["status"])
            auth = session["_auth"]
            method = self.localstripe(
                "POST",
                "/v1/payment_methods",
                auth,
                {
                    "type": "card",
                    "card[number]": TEST_CARDS[card][0],
                    "card[exp_month]": "12",
                    "card[exp_year]": str(time.gmtime().tm_year + 3),
                    "card[cvc]": "123",
                },
            )
            self.cards[method["id"]] = card
            if session["mode"] == "setup":
                return self.save_card(session, method["id"])
            customer = self.customer_of(session)
            # A declined PaymentIntent cannot be paid again on localstripe: each try is a new one.
            intent = self.localstripe(
                "POST",
                "/v1/payment_intents",
                auth,
                {
                    "amount": str(session["amount_total"]),
                    "currency": session["currency"],
                    "payment_method": method["id"],
                    "customer": customer,
                    "metadata": session["_intent_metadata"],
                },
            )
            session["payment_intent"] = intent["id"]
            try:
                intent = self.localstripe(
                    "POST", f"/v1/payment_intents/{intent['id']}/confirm", auth, {}
                )
            except StripeError as error:
                if error.status == 402:
                    return "declined"
                raise
            return self.settle(session, intent)

    def customer_of(self, session: JSON) -> str | None:
        """The session's Customer: the one it was made for, or one Checkout makes (always
        in setup mode here; in payment mode with customer_creation=always), once."""
        if session["customer"]:
            return str(session["customer"])
        if session["mode"] == "payment" and session["customer_creation"] != "always":
            return None
        if not session.get("_customer"):
            email = session["customer_email"]
            made = self.localstripe(
                "POST", "/v1/customers", session["_auth"], {"email": email} if email else {}
            )
            session["_customer"] = made["id"]
        return str(session["_customer"])

    def save_card(self, session: JSON, method: str) -> str:
        auth = session["_auth"]
        intent = self.localstripe(
            "POST",
            "/v1/setup_intents",
            auth,
            {
                "customer": self.customer_of(session),
                "usage": "off_session",
                "metadata": session["_setup_metadata"],
            },
        )
        try:
            intent = self.localstripe(
                "POST",
                f"/v1/setup_intents/{intent['id']}/confirm",
                auth,
                {"payment_method": method},
            )
        except StripeError as error:
            if error.status == 402:
                return "declined"
            raise
        return self.settle_setup(session, intent)

    def settle_setup(self, session: JSON, intent: JSON) -> str:
        if intent["status"] == "requires_action":
            session["_setup_pending"] = intent["id"]
            return "authenticate"
        if intent["status"] != "succeeded":
            return "declined"
        customer = self.customer_of(session)
        self.keep(str(intent["payment_method"]), customer, session["_auth"])
        session.update(
            status="complete",
            setup_intent=intent["id"],
            customer=customer,
            customer_details={"email": session["customer_email"]},
        )
        # localstripe sends no SetupIntent events; Stripe sends this one, then the session's.
        self.webhooks.send("setup_intent.succeeded", intent)
        self.webhooks.send("checkout.session.completed", public(session))
        return "complete"

    def keep(self, method: str, customer: str | None, auth: str) -> None:
        """Stripe attaches a card set up for later to the customer; localstripe's
        SetupIntents do not, so the front does."""
        if customer is None:
            return
        self.localstripe(
            "POST", f"/v1/payment_methods/{method}/attach", auth, {"customer": customer}
        )
        self.set_up.add(method)

    def authenticate(self, session_id: str, *, success: bool) -> str:
        with self.lock(session_id):
            session = self.session(session_id)
            if session["mode"] == "setup":
                return self.authenticate_setup(session, success=success)
            secret = session.pop("_client_secret", None)
            if session["status"] != "open" or secret is None:
                return str(session["status"])
            intent = self.localstripe(
                "POST",
                f"/v1/payment_intents/{session['payment_intent']}/_authenticate",
                session["_auth"],
                {"client_secret": secret, "success": "true" if success else "false"},
            )
            return self.settle(session, intent) if success else "authentication_failed"

    def authenticate_setup(self, session: JSON, *, success: bool) -> str:
        pending = session.pop("_setup_pending", None)
        if session["status"] != "open" or pending is None:
            return str(session["status"])
        # localstripe has no challenge for SetupIntents: confirming again is the bank's
        # yes; a no cancels it, and the next card makes a new one.
        action = "confirm" if success else "cancel"
        intent = self.localstripe(
            "POST", f"/v1/setup_intents/{pending}/{action}", session["_auth"], {}
        )
        return self.settle_setup(session, intent) if success else "setup_authentication_failed"

    def settle(self, session: JSON, intent: JSON) -> str:
        if intent["status"] == "requires_action":
            session["_client_secret"] = intent["client_secret"]
            return "authenticate"
        if intent["status"] != "succeeded":
            return "declined"
        customer = self.customer_of(session)
        if session["_setup_future_usage"]:
            self.keep(str(intent["payment_method"]), customer, session["_auth"])
        session.update(
            status="complete",
            payment_status="paid",
            customer=customer,
            customer_details={"email": session["customer_email"]},
        )
        self.webhooks.send("checkout.session.completed", public(session))
        return "complete"


# The hosted payment page -------------------------------------------------------------------


def hosted_page(standin: Standin, method: str, path: str, body: bytes) -> Reply:
    """Stripe's hosted Checkout page, in plain HTML: GET shows it, POST pays."""
    session_id, _, action = path.removeprefix("/pay/").partition("/")
    try:
        session = standin.session(session_id)
    except StripeError:
        return _html(404, page_html("<h1>No such payment page</h1>"))
    form = dict(parse_qsl(body.decode()))
    if method == "POST" and action == "authenticate":
        outcome = standin.authenticate(session_id, success=form.get("outcome") == "complete")
    elif method == "POST" and form.get("card") in TEST_CARDS:
        outcome = standin.pay(session_id, form["card"])
    elif method == "POST":
        outcome = "choose"
    else:
        outcome = str(session["status"])
    if outcome == "complete":
        url = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        return Reply(303, b"", "text/plain", {"Location": url})
    if outcome == "authenticate":
        return _html(200, page_html(challenge(session)))
    status, message = MESSAGES.get(outcome, (200, ""))
    return _html(status, page_html(payment_form(session, message)))


def _html(status: int, page: str) -> Reply:
    csp = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    headers = {"Content-Security-Policy": csp, "Cache-Control": "no-store"}
    return Reply(status, page.encode(), "text/html; charset=utf-8", headers)


# The server and its localstripe ------------------------------------------------------------


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], standin: Standin) -> None:
        super().__init__(address, Handler)
        self.standin = standin


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        self.handle_method("GET")

    def do_POST(self) -> None:
        self.handle_method("POST")

    def do_DELETE(self) -> None:
        self.handle_method("DELETE")

    def handle_method(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            reply = self.server.standin.dispatch(method, self.path, body, self.headers)
        except StripeError as error:
            reply = Reply.json(error.status, error.body)
        except Exception as error:  # a bug here answers 500, as Stripe would, not a dropped line
            reply = Reply.json(500, {"error": {"type": "api_error", "message": repr(error)}})
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Request-Id", random_id("req_", 14))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.standin.verbose:
            super().log_message(format, *args)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start_localstripe(*, verbose: bool) -> tuple[subprocess.Popen[bytes], str]:
    """localstripe in a process of its own (GPL-3: used, never linked), from an empty store."""
    port = free_port()
    output = None if verbose else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=output,
        stderr=output,
    )
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"localstripe stopped at start (exit code {process.returncode}).")
        try:
            if http_request("GET", url + "/js.stripe.com/v3/", None, {})[0] == 200:
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("localstripe did not answer within 30 seconds.")


def stop_when_orphaned(parent: int) -> None:
    """A stand-in whose parent died (a test run killed, a terminal closed) stops too, and
    localstripe with it, rather than holding its ports on a shared machine."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def serve(args: argparse.Namespace, localstripe_url: str) -> None:
    standin = Standin(localstripe_url, verbose=args.verbose)
    try:
        server = Server((HOST, args.port), standin)
    except OSError as error:
        raise SystemExit(
            f"The Stripe stand-in cannot listen on port {args.port} ({error.strerror}); "
            "choose another (bin/run: STRIPE_PORT)."
        ) from None
    standin.base_url = f"http://{HOST}:{server.server_port}"
    if args.webhook_url:
        standin.register_webhook("clinic", {"url": args.webhook_url, "secret": args.webhook_secret})
    threading.Thread(target=standin.expire_due, daemon=True).start()
    where = f"; its events go to {args.webhook_url}" if args.webhook_url else ""
    print(f"Local Stripe (test cards, no account) ready at {standin.base_url}{where}", flush=True)
    with server:
        server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8001, help="0 takes a free port")
    parser.add_argument("--webhook-url", help="the clinic's webhook endpoint")
    parser.add_argument("--webhook-secret", help="the secret events are signed with")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if bool(args.webhook_url) != bool(args.webhook_secret):
        parser.error("--webhook-url and --webhook-secret go together")
    # SIGTERM ends the server as Ctrl-C does, so localstripe stops with it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    threading.Thread(target=stop_when_orphaned, args=(os.getppid(),), daemon=True).start()
    process, localstripe_url = start_localstripe(verbose=args.verbose)
    try:
        serve(args, localstripe_url)
    except KeyboardInterrupt:
        pass
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()
