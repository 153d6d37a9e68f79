"""The provider's delivery receipts and the short links in texts: both public, neither
says anything about a patient."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from twilio.request_validator import RequestValidator

from clinic import ratelimit
from clinic.headers import client_ip
from messaging.links import ALPHABET, CODE_LENGTH
from messaging.models import ShortLink
from messaging.services.receipts import receipt_record

logger = logging.getLogger(__name__)

# Twilio posts a few receipts per text, from its own addresses: far below this.
RECEIPTS_PER_IP_PER_HOUR = 2000
SHORT_LINKS_PER_IP_PER_HOUR = 300


def _plain(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain")


def signed_by_twilio(request: HttpRequest) -> bool:
    """Whether X-Twilio-Signature signs this request's address and form with our auth
    token. The address is SITE_URL's (what we gave Twilio), not whatever Host came."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.SITE_URL + request.get_full_path()
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST, signature)


@csrf_exempt
@require_POST
def text_status(request: HttpRequest) -> HttpResponse:
    """Twilio's StatusCallback: 403 unless signed; 200 once applied, ignored or unknown, so
    Twilio does not send it again."""
    now = timezone.now()
    if not ratelimit.public_write_allowed(
        "text-status", ip=client_ip(request), per_ip=RECEIPTS_PER_IP_PER_HOUR, now=now
    ):
        return _plain("Too many requests", status=429)
    if not signed_by_twilio(request):
        logger.warning("Text delivery receipt refused: no valid signature")
        return _plain("Signature required", status=403)
    outcome = receipt_record(
        provider_id=request.POST.get("MessageSid", "")[:64],
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
        reference=request.GET.get("m", ""),
        now=now,
    )
    return _plain(outcome)


@require_GET
def short_link(request: HttpRequest, code: str) -> HttpResponse:
    """Redirect to the link's page; an unknown code and an expired one get the same page."""
    now = timezone.now()
    if not ratelimit.public_write_allowed(
        "short-link", ip=client_ip(request), per_ip=SHORT_LINKS_PER_IP_PER_HOUR, now=now
    ):
        return render(request, "booking/rate_limited.html", {"what": "requests"}, status=429)
    link = None
    if len(code) == CODE_LENGTH and set(code) <= set(ALPHABET):
        link = ShortLink.objects.filter(code=code, expires_at__gt=now).first()
    if link is None:
        return render(request, "messaging/link_gone.html", status=404)
    return HttpResponseRedirect(link.target)
