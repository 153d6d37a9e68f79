"""Delivery receipts: the provider tells us what became of a text. States only move
forward (queued, sent, then delivered or failed), so receipts arriving out of order, or
twice, change nothing they should not."""

import datetime as dt
import re

from django.db import transaction

from messaging.models import TextMessage, TextState

# Twilio's MessageStatus values we act on; the others (accepted, scheduled, queued,
# sending) say nothing our state does not already say.
PROVIDER_STATES = {
    "sent": TextState.SENT,
    "delivered": TextState.DELIVERED,
    "read": TextState.DELIVERED,
    "undelivered": TextState.FAILED,
    "failed": TextState.FAILED,
}
# A provider's message id, and our reference: anything else names no text of ours.
PROVIDER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
REFERENCE = re.compile(r"[0-9]{1,18}")
RANK = {TextState.QUEUED: 0, TextState.SENT: 1, TextState.DELIVERED: 2, TextState.FAILED: 2}


def receipt_record(
    *, provider_id: str, status: str, error_code: str, now: dt.datetime, reference: str = ""
) -> str:
    """Apply one receipt; the outcome in a word (for the log and the tests). ``reference``
    is our id for the text, from the callback's address: with it, a receipt waits for the
    worker still storing the provider's id."""
    state = PROVIDER_STATES.get(status)
    if state is None:
        return "ignored"
    if not PROVIDER_ID.fullmatch(provider_id):
        return "unknown"
    with transaction.atomic():
        rows = TextMessage.objects.select_for_update()
        message = None
        if REFERENCE.fullmatch(reference):
            message = rows.filter(pk=int(reference)).first()
            if message is not None and message.provider_id != provider_id:
                message = None
        if message is None:
            message = rows.filter(provider_id=provider_id).first()
        if message is None:
            return "unknown"
        if RANK.get(TextState(message.state), 3) >= RANK[state]:
            return "unchanged"
        message.state = state
        if state == TextState.DELIVERED:
            message.delivered_at = now
        if state == TextState.FAILED:
            code = re.sub(r"[^0-9A-Za-z]", "", error_code)[:20]
            message.error_code = code
            message.reason = f"not delivered (provider error {code or 'unknown'})"
        message.sent_at = message.sent_at or now
        message.save()
        return str(state)
