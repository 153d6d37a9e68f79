"""The patient's payment pages, reached by the signed link in their email, and the
payment provider's webhook. No card number ever reaches these pages: the patient pays
on the provider's hosted page, and only its signed event records the payment."""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from billing.links import PayLinkError, invoice_id_from_pay_token
from billing.models import Invoice
from billing.selectors import invoice_balance
from billing.services.errors import BillingError
from billing.services.online import checkout_start, event_receive, payable
from clinic.stripe_client import OnlinePaymentsOff, WebhookRejected, webhook_event
from patients.models import AccessVia
from patients.services import access_log_record

logger = logging.getLogger(__name__)


def _invoice_for_token(token: str) -> Invoice:
    """The invoice the link names, if the patient may pay it: anything else is a 404 that
    says no more (whose invoice, whether it exists)."""
    try:
        invoice_id = invoice_id_from_pay_token(token)
    except PayLinkError:
        raise Http404("No such payment link.") from None
    invoice = (
        Invoice.objects.select_related("patient")
        .prefetch_related("lines")
        .filter(pk=invoice_id, patient__is_archived=False)
        .first()
    )
    if invoice is None or not payable(invoice):
        raise Http404("No such payment link.")
    return invoice


def checkout_origin() -> str:
    """Where the hosted payment page lives: Stripe's, or the local stand-in's."""
    if settings.STRIPE_API_BASE:
        parts = urlsplit(settings.STRIPE_API_BASE)
        return f"{parts.scheme}://{parts.netloc}"
    return "https://checkout.stripe.com"


def allowing_checkout(response: HttpResponse) -> HttpResponse:
    # Browsers hold a form's POST to form-action through its redirects: the pay form's
    # answer goes on to the hosted page, so that one origin joins 'self' on this page.
    policy = dict(settings.SECURE_CSP)
    policy["form-action"] = [CSP.SELF, checkout_origin()]
    response._csp_config = policy  # type: ignore[attr-defined]  # Django's csp_override does the same
    return response


def _log(invoice: Invoice, record: str) -> None:
    """The patient's own read through the emailed link, logged as the portal's are."""
    access_log_record(
        user=None,
        patient=invoice.patient,
        intake=None,
        record=record,
        via=AccessVia.PORTAL,
        detail=invoice.number or "",
    )


def _page(request: HttpRequest, invoice: Invoice, token: str, **extra: object) -> HttpResponse:
    context = {
        "invoice": invoice,
        "balance": invoice_balance(invoice),
        "token": token,
        "online": settings.CLINIC_ONLINE_PAYMENTS,
        **extra,
    }
    status = 400 if extra.get("error") else 200
    return allowing_checkout(render(request, "billing/pay.html", context, status=status))


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, token: str) -> HttpResponse:
    """The invoice, and a button to pay what it owes on the provider's page. The amount
    is the invoice's, read here: nothing the browser sends is asked for."""
    invoice = _invoice_for_token(token)
    if request.method == "GET":
        _log(invoice, "invoice (pay link)")
        return _page(request, invoice, token)
    try:
        attempt = checkout_start(
            invoice=invoice,
            success_url=request.build_absolute_uri(reverse("billing:pay_done", args=[token])),
            cancel_url=request.build_absolute_uri(reverse("billing:pay", args=[token])),
            now=timezone.now(),
        )
    except OnlinePaymentsOff:
        return _page(request, invoice, token, error="Card payments are not offered online.")
    except BillingError as error:
        return _page(request, invoice, token, error=error.message)
    return HttpResponseRedirect(attempt.url, status=303)


@require_http_methods(["GET"])
def pay_done(request: HttpRequest, token: str) -> HttpResponse:
    """Back from the provider: thanks, and the invoice as our records have it; it shows
    paid only once the provider's event has come."""
    invoice = _invoice_for_token(token)
    _log(invoice, "invoice (paid by link)")
    context = {"invoice": invoice, "balance": invoice_balance(invoice), "token": token}
    return render(request, "billing/pay_done.html", context)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events: 400 for one that does not verify (nothing stored); 200 once an
    event is recorded, a repeat or of no interest, so Stripe stops sending it; an error
    here is a 500, and Stripe sends the event again later."""
    try:
        event = webhook_event(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookRejected as error:
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponse(str(error), status=400, content_type="text/plain")
    outcome = event_receive(event=event.to_dict(for_json=True), now=timezone.now())
    return HttpResponse(outcome, content_type="text/plain")
