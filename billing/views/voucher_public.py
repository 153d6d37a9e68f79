"""The public gift voucher pages: buying one (paid on the provider's hosted page, the code
emailed once its signed event says so) and checking what is left on one. Every code typed
in is rate-limited, and any code that cannot be used gets the same answer (decision 0106)."""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from billing.forms import new_idempotency_key
from billing.models import GiftVoucher
from billing.selectors.vouchers import voucher_figures
from billing.services.errors import BillingError
from billing.services.online import checkout_start
from billing.services.voucher_sales import voucher_sell
from billing.services.vouchers import NOT_VALID, tries_allowed, voucher_usable
from billing.views.online import allowing_checkout
from billing.voucher_forms import PublicVoucherForm, VoucherCodeForm
from booking.views.public import limited
from clinic import ratelimit
from clinic.headers import client_ip
from clinic.stripe_client import OnlinePaymentsOff
from patients.models import AccessVia
from patients.services import access_log_record, patient_from_details

_SALT = "billing.vouchers.thanks"
THANKS_MAX_AGE = 60 * 60 * 24 * 7


def _page(request: HttpRequest, form: PublicVoucherForm, **extra: object) -> HttpResponse:
    context = {"form": form, "online": settings.CLINIC_ONLINE_PAYMENTS, **extra}
    status = 400 if form.is_bound else 200
    return allowing_checkout(render(request, "billing/gift_vouchers.html", context, status=status))


@require_http_methods(["GET", "POST"])
def gift_vouchers(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    today = timezone.localdate(now)
    if request.method == "GET":
        form = PublicVoucherForm(today=today, initial={"idempotency_key": new_idempotency_key()})
        return _page(request, form)
    form = PublicVoucherForm(request.POST, today=today)
    if not settings.CLINIC_ONLINE_PAYMENTS or not form.is_valid():
        return _page(request, form)
    data = form.cleaned_data
    if not ratelimit.public_write_allowed(
        "voucher-sale",
        ip=client_ip(request),
        email=data["email"],
        per_ip=settings.CLINIC_BOOKINGS_PER_IP,
        per_email=settings.CLINIC_BOOKINGS_PER_EMAIL,
        now=now,
    ):
        return limited(request, "gift voucher orders")
    token = ""
    try:
        with transaction.atomic():
            voucher = voucher_sell(
                buyer=patient_from_details(form.session_data()),
                amount=data["amount"],
                recipient_name=data["recipient_name"],
                recipient_email=data["recipient_email"],
                message=data["message"],
                sold_by=None,
                now=now,
                idempotency_key=data["idempotency_key"],
            )
            token = signing.dumps(voucher.pk, salt=_SALT)
            attempt = checkout_start(
                invoice=voucher.sale_invoice,
                success_url=request.build_absolute_uri(
                    reverse("billing:gift_voucher_thanks", args=[token])
                ),
                cancel_url=request.build_absolute_uri(reverse("billing:gift_vouchers")),
                now=now,
            )
    except OnlinePaymentsOff:
        return _page(request, form, error="Card payments are not offered online.")
    except BillingError as error:
        return _page(request, form, error=error.message)
    return HttpResponseRedirect(attempt.url, status=303)


@require_http_methods(["GET"])
def gift_voucher_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Back from the provider: the code is emailed once its event says the voucher is
    paid, never because the buyer came back here."""
    try:
        voucher_id = signing.loads(token, salt=_SALT, max_age=THANKS_MAX_AGE)
    except signing.BadSignature:
        raise Http404("No such voucher.") from None
    voucher = (
        GiftVoucher.objects.select_related("buyer", "sale_invoice").filter(pk=voucher_id).first()
    )
    if voucher is None:
        raise Http404("No such voucher.")
    access_log_record(
        user=None,
        patient=voucher.buyer,
        intake=None,
        record="gift voucher (bought online)",
        via=AccessVia.PORTAL,
        detail=voucher.sale_invoice.number or "",
    )
    context = {"voucher": voucher, "paid": voucher_figures(voucher).paid}
    return render(request, "billing/gift_voucher_thanks.html", context)


@require_http_methods(["GET", "POST"])
def voucher_balance(request: HttpRequest) -> HttpResponse:
    """What is left on a voucher and until when; the same answer for any code that cannot
    be used (unknown, expired, unpaid, spent)."""
    form = VoucherCodeForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        code = form.cleaned_data["code"]
        if not tries_allowed(code=code, ip=client_ip(request), now=now):
            return limited(request, "gift voucher codes")
        try:
            voucher, balance = voucher_usable(code=code, now=now)
        except BillingError:
            context["error"] = NOT_VALID
        else:
            context.update(balance=balance, voucher=voucher)
    status = 400 if context.get("error") or (form.is_bound and form.errors) else 200
    return render(request, "billing/voucher_balance.html", context, status=status)
