"""Posting a text as Twilio does: its form fields, signed with the real library."""

from django.conf import settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

ACCOUNT = "AC" + "0" * 32
TOKEN = "test-auth-token"
CLINIC_NUMBER = "+441134960999"


def url() -> str:
    return reverse("messaging:text_inbound")


def form(*, sid: str, sender: str, body: str, account: str = ACCOUNT) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": account,
        "From": sender,
        "To": CLINIC_NUMBER,
        "Body": body,
        "NumSegments": "1",
    }


def signature(data: dict[str, str], *, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(settings.SITE_URL + url(), data)


def post(client, *, sid: str, sender: str, body: str, **options):
    data = form(sid=sid, sender=sender, body=body, **options)
    return client.post(url(), data, headers={"X-Twilio-Signature": signature(data)})
