"""The provider's webhook for texts patients send the clinic (Twilio's inbound message
form), answered with TwiML (decision 0109)."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from messaging.replies import reply_receive
from messaging.selectors import e164

logger = logging.getLogger(__name__)


def _refused(reason: str) -> HttpResponse:
    logger.warning("Inbound text refused: %s", reason)
    return HttpResponse("Refused.", status=403, content_type="text/plain")


def _twiml(answer: str) -> HttpResponse:
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return HttpResponse(str(response), content_type="text/xml")


def _signed(request: HttpRequest) -> bool:
    """Twilio's signature over the address it posted to (the site's public address, not
    the one a proxy hands on) and every form field, with the account's auth token."""
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST, signature)


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> HttpResponse:
    """403 for a request that is not Twilio's for this account; otherwise 200 with the
    answer to send back, and an empty answer for a delivery already received."""
    if not _signed(request):
        return _refused("missing or wrong X-Twilio-Signature")
    if request.POST.get("AccountSid") != settings.TWILIO_ACCOUNT_SID:
        return _refused("another account's message")
    provider_id = request.POST.get("MessageSid", "").strip()
    if not provider_id:
        return HttpResponse("No MessageSid.", status=400, content_type="text/plain")
    raw_from = request.POST.get("From", "")
    outcome = reply_receive(
        provider_id=provider_id,
        number=e164(raw_from),
        raw_from=raw_from,
        body=request.POST.get("Body", ""),
        now=timezone.now(),
    )
    return _twiml(outcome.answer)
