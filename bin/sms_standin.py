#!/usr/bin/env python3
"""A local Twilio for the demo and the tests (docs/decisions/0108): the part of Twilio's
Messaging API the clinic calls, over real HTTP, so twilio-python talks to it unchanged
(TWILIO_API_BASE points the client here).

    .venv/bin/python bin/sms_standin.py --port 8002 \\
        --account-sid ACstandin00000000000000000000000000 --auth-token standin-token

- POST /2010-04-01/Accounts/{sid}/Messages.json (HTTP Basic: the account sid and auth
  token): To, From or MessagingServiceSid, Body, StatusCallback. Answers as Twilio does:
  201 with the message (sid "SM" + 32 hex digits, status "queued", num_segments), or
  Twilio's error shape {"code", "message", "more_info", "status"}. Then, as Twilio does a
  moment later, posts the StatusCallback, signed (X-Twilio-Signature): "sent" then
  "delivered", or for the test numbers below, "undelivered" or "failed" with an ErrorCode.
- POST /_standin/inbound (To, From, Body, Url; MessageSid to replay one): posts Twilio's
  inbound-message webhook, signed, to Url; answers with the app's status and body.
- GET /_standin/messages: every message taken, with the callbacks posted for it.

Test numbers (the "To"), besides Twilio's own test numbers:
  +15005550001  400, code 21211: not a valid phone number
  +15005550009  400, code 21614: not a mobile number (so is any landline, by phonenumbers)
  +15005550004  400, code 21610: the recipient replied STOP
  +447400000003 taken, then "undelivered", ErrorCode 30003 (handset unreachable)
  +447400000005 taken, then "failed", ErrorCode 30005 (unknown handset)
  +447400000500 500: Twilio is having a bad moment
Any other valid mobile number: taken, then "sent" and "delivered".

With --port 0 it takes a free port. Once it serves, it prints one line,
"Local Twilio (test numbers, no account) ready at http://127.0.0.1:PORT".
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import phonenumbers
from twilio.request_validator import RequestValidator

HOST = "127.0.0.1"
API_VERSION = "2010-04-01"
MESSAGES_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<sid>AC\w+)/Messages\.json$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_BODY = 1600

REFUSED = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550009": (21614, "'To' number {to} is not a valid mobile number"),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
}
UNDELIVERED = {
    "+447400000003": ("undelivered", "30003"),
    "+447400000005": ("failed", "30005"),
}
SERVER_ERROR = "+447400000500"

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("\f^{}\\[~]|€")


def num_segments(body: str) -> int:
    if all(c in GSM7 or c in GSM7_EXTENSION for c in body):
        units, single, part = sum(2 if c in GSM7_EXTENSION else 1 for c in body), 160, 153
    else:
        units, single, part = len(body.encode("utf-16-le")) // 2, 70, 67
    return 1 if units <= single else math.ceil(units / part)


def message_sid() -> str:
    return "SM" + secrets.token_hex(16)


@dataclass
class Sent:
    sid: str
    to: str
    sender: str
    body: str
    status: str
    num_segments: int
    status_callback: str
    callbacks: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Standin:
    account_sid: str
    auth_token: str
    callback_delay: float = 0.3
    messages: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def signed_post(self, url: str, params: dict[str, str]) -> tuple[int, bytes, str]:
        """POST the form to ``url`` signed as Twilio signs: the URL followed by each
        parameter's name and value in name order, HMAC-SHA1 with the auth token."""
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        request = urllib.request.Request(
            url,
            data=urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
                "User-Agent": "TwilioProxy/1.1",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as answer:
                return answer.status, answer.read(), answer.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Content-Type", "")

    def report(self, sent: Sent, states: list[tuple[str, str]]) -> None:
        for status, error_code in states:
            time.sleep(self.callback_delay)
            with self.lock:
                sent.status = status
            if not sent.status_callback:
                continue
            params = {
                "AccountSid": self.account_sid,
                "ApiVersion": API_VERSION,
                "From": sent.sender,
                "MessageSid": sent.sid,
                "MessageStatus": status,
                "SmsSid": sent.sid,
                "SmsStatus": status,
                "To": sent.to,
            }
            if error_code:
                params["ErrorCode"] = error_code
            try:
                answer, _body, _type = self.signed_post(sent.status_callback, params)
            except OSError as error:
                outcome = f"error: {error}"
            else:
                outcome = str(answer)
            with self.lock:
                sent.callbacks.append(
                    {"status": status, "error_code": error_code, "answer": outcome}
                )
            print(
                f"status {status} {sent.sid} -> {sent.status_callback}: {outcome}", file=sys.stderr
            )


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _is_landline(number: str) -> bool:
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE


def create_message(standin: Standin, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    to, body = form.get("To", ""), form.get("Body", "")
    sender = form.get("From") or form.get("MessagingServiceSid", "")
    if not to:
        return 400, twilio_error(400, 21604, "A 'To' phone number is required.")
    if not sender:
        return 400, twilio_error(400, 21603, "A 'From' phone number is required.")
    if not body:
        return 400, twilio_error(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        return 400, twilio_error(
            400, 21617, "The concatenated message body exceeds the 1600 character limit."
        )
    if to == SERVER_ERROR:
        return 500, twilio_error(500, 20500, "An internal server error has occurred")
    if to in REFUSED:
        code, text = REFUSED[to]
        return 400, twilio_error(400, code, text.format(to=to))
    if not E164.match(to):
        return 400, twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if _is_landline(to):
        return 400, twilio_error(400, 21614, f"'To' number {to} is not a valid mobile number")
    sent = Sent(
        sid=message_sid(),
        to=to,
        sender=sender,
        body=body,
        status="queued",
        num_segments=num_segments(body),
        status_callback=form.get("StatusCallback", ""),
    )
    with standin.lock:
        standin.messages.append(sent)
    states = (
        [("sent", ""), UNDELIVERED[to]] if to in UNDELIVERED else [("sent", ""), ("delivered", "")]
    )
    threading.Thread(target=standin.report, args=(sent, states), daemon=True).start()
    now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    return 201, {
        "account_sid": standin.account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From") or None,
        "messaging_service_sid": form.get("MessagingServiceSid") or None,
        "num_media": "0",
        "num_segments": str(sent.num_segments),
        "price": None,
        "price_unit": "USD",
        "sid": sent.sid,
        "status": "queued",
        "subresource_uris": {
            "media": f"/{API_VERSION}/Accounts/{standin.account_sid}/Messages/{sent.sid}/Media.json"
        },
        "to": to,
        "uri": f"/{API_VERSION}/Accounts/{standin.account_sid}/Messages/{sent.sid}.json",
    }


def inbound(standin: Standin, form: dict[str, str]) -> tuple[int, bytes, str]:
    """A patient's text to the clinic, as Twilio posts it to the number's webhook."""
    body = form.get("Body", "")
    sid = form.get("MessageSid") or message_sid()
    params = {
        "AccountSid": standin.account_sid,
        "ApiVersion": API_VERSION,
        "Body": body,
        "From": form.get("From", ""),
        "MessageSid": sid,
        "NumMedia": "0",
        "NumSegments": str(num_segments(body)),
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "SmsStatus": "received",
        "To": form.get("To", ""),
    }
    return standin.signed_post(form.get("Url", ""), params)


def handler(standin: Standin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: object) -> None:
            self._answer(status, json.dumps(data, indent=2).encode(), "application/json")

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            return dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))

        def _authorised(self, account_sid: str) -> bool:
            expected = f"{standin.account_sid}:{standin.auth_token}".encode()
            given = self.headers.get("Authorization", "")
            return account_sid == standin.account_sid and secrets.compare_digest(
                given, "Basic " + base64.b64encode(expected).decode()
            )

        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/_standin/messages":
                with standin.lock:
                    listed = [asdict(m) for m in standin.messages]
                self._json(200, {"messages": listed})
                return
            self._json(404, twilio_error(404, 20404, "The requested resource was not found"))

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            if path == "/_standin/inbound":
                status, body, content_type = inbound(standin, self._form())
                self._answer(status, body, content_type or "text/plain")
                return
            match = MESSAGES_PATH.match(path)
            if match is None:
                self._json(404, twilio_error(404, 20404, "The requested resource was not found"))
                return
            if not self._authorised(match["sid"]):
                self._json(401, twilio_error(401, 20003, "Authenticate"))
                return
            status, data = create_message(standin, self._form())
            self._json(status, data)

        def log_message(self, format: str, *args: Any) -> None:
            print(f"sms stand-in: {format % args}", file=sys.stderr)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--account-sid", default="ACstandin00000000000000000000000000")
    parser.add_argument("--auth-token", default="standin-token")
    parser.add_argument("--callback-delay", type=float, default=0.3)
    args = parser.parse_args()
    standin = Standin(args.account_sid, args.auth_token, callback_delay=args.callback_delay)
    server = ThreadingHTTPServer((HOST, args.port), handler(standin))
    print(
        f"Local Twilio (test numbers, no account) ready at http://{HOST}:{server.server_port}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
