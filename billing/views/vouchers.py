"""Gift vouchers at the desk: sell one to a patient, the list with balances, a voucher's
page (send or show its code), and a code spent on an invoice (decision 0106)."""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.models import GiftVoucher
from billing.selectors.vouchers import voucher_figures, voucher_list
from billing.services.errors import BillingError
from billing.services.voucher_delivery import voucher_code_send
from billing.services.voucher_sales import voucher_sell
from billing.services.vouchers import (
    tries_allowed,
    voucher_code_issue,
    voucher_redeem_on_invoice,
)
from billing.views.common import get_invoice, get_patient, log_view, refused
from billing.voucher_forms import DeskBuyerVoucherForm, DeskVoucherForm, VoucherApplyForm
from booking.views.public import limited
from clinic.access import staff_required, staff_user
from clinic.headers import client_ip
from clinic.money import format_money
from patients.models import Patient
from patients.services import patient_from_details

VIEW, SELL, CHANGE = (
    "billing.view_giftvoucher",
    "billing.add_giftvoucher",
    "billing.change_giftvoucher",
)


@staff_required(VIEW)
@require_GET
def vouchers(request: HttpRequest) -> HttpResponse:
    """Every voucher with its state, balance and expiry; search by the code's last four
    characters or the recipient. No buyer is named here: that is the voucher's page."""
    search = request.GET.get("q", "")[:100]
    today = timezone.localdate()
    found = voucher_list(search=search)
    for voucher in found:
        voucher.state = voucher.figures.state(today)  # type: ignore[attr-defined]
    context = {"vouchers": found, "search": search}
    return render(request, "staff/billing/vouchers.html", context)


def _sell(request: HttpRequest, *, buyer: Patient, data: dict[str, Any]) -> GiftVoucher:
    """The desk's sale, from either sale form's cleaned data."""
    return voucher_sell(
        buyer=buyer,
        amount=data["amount"],
        recipient_name=data["recipient_name"],
        recipient_email=data["recipient_email"],
        message=data["message"],
        sold_by=staff_user(request),
        now=timezone.now(),
        idempotency_key=data["idempotency_key"],
    )


@staff_required(SELL, "billing.add_invoice", "billing.view_invoice")
@require_http_methods(["GET", "POST"])
def voucher_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Sell a voucher to this patient: its invoice is issued at once, and paid as any."""
    patient = get_patient(pk)
    log_view(request, patient, "gift voucher sale")
    form = DeskVoucherForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            voucher = _sell(request, buyer=patient, data=data)
        except BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Gift voucher of {format_money(voucher.amount)} sold: take the payment for "
                f"invoice {voucher.sale_invoice.number}, then send or show its code.",
            )
            url = reverse("billing_staff:payment_new", args=[pk])
            return redirect(f"{url}?invoice={voucher.sale_invoice_id}")
    status = 400 if form.is_bound else 200
    context = {"patient": patient, "form": form}
    return render(request, "staff/billing/voucher_new.html", context, status=status)


@staff_required(SELL, "billing.add_invoice", "billing.view_invoice", "patients.add_patient")
@require_http_methods(["GET", "POST"])
def voucher_new_buyer(request: HttpRequest) -> HttpResponse:
    """Sell a voucher to someone who is not a patient yet: their details make the record
    the invoice needs (an existing one with the same email and date of birth is used)."""
    form = DeskBuyerVoucherForm(request.POST or None, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                buyer = patient_from_details(form.session_data())
                voucher = _sell(request, buyer=buyer, data=data)
        except BillingError as error:
            form.add_error(None, error.message)
        else:
            log_view(request, buyer, "gift voucher sale")
            messages.success(
                request,
                f"Gift voucher of {format_money(voucher.amount)} sold: take the payment for "
                f"invoice {voucher.sale_invoice.number}, then send or show its code.",
            )
            url = reverse("billing_staff:payment_new", args=[buyer.pk])
            return redirect(f"{url}?invoice={voucher.sale_invoice_id}")
    status = 400 if form.is_bound else 200
    return render(
        request, "staff/billing/voucher_new.html", {"patient": None, "form": form}, status=status
    )


def _voucher(pk: int) -> GiftVoucher:
    return get_object_or_404(GiftVoucher.objects.select_related("buyer", "sale_invoice"), pk=pk)


@staff_required(VIEW, "billing.view_invoice")
@require_GET
def voucher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    voucher = _voucher(pk)
    redemptions = list(
        voucher.redemptions.select_related("payment__patient").prefetch_related("payment__refunds")
    )
    # The buyer's purchase and what each patient who spent it paid with it: both logged.
    readers = {voucher.buyer.pk: voucher.buyer}
    readers |= {r.payment.patient_id: r.payment.patient for r in redemptions}
    for patient in readers.values():
        log_view(request, patient, "gift voucher", detail=str(voucher))
    figures = voucher_figures(voucher)
    context = {
        "voucher": voucher,
        "figures": figures,
        "state": figures.state(timezone.localdate()),
        "redemptions": redemptions,
    }
    return render(request, "staff/billing/voucher.html", context)


@staff_required(CHANGE)
@require_POST
def voucher_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Email the code to the recipient (a copy to the buyer): a new code, replacing any
    given before, made by the task worker as it sends."""
    try:
        voucher_code_send(voucher=_voucher(pk))
    except BillingError as error:
        refused(request, error)
    else:
        messages.success(request, "The code is on its way by email.")
    return redirect("billing_staff:voucher", pk=pk)


@staff_required(CHANGE)
@require_POST
def voucher_show_code(request: HttpRequest, pk: int) -> HttpResponse:
    """A new code, shown once to print or write on a card; any code given before stops
    working. Never cached."""
    voucher = _voucher(pk)
    try:
        code = voucher_code_issue(voucher=voucher, now=timezone.now())
    except BillingError as error:
        refused(request, error)
        return redirect("billing_staff:voucher", pk=pk)
    log_view(request, voucher.buyer, "gift voucher code", detail=str(voucher))
    return render(
        request,
        "staff/billing/voucher_code.html",
        {"voucher": voucher, "code": code, "figures": voucher_figures(voucher)},
    )


@staff_required("billing.add_payment", "billing.view_invoice", VIEW)
@require_POST
def voucher_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Spend a voucher the patient hands over on this invoice."""
    invoice = get_invoice(pk)
    form = VoucherApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the voucher's code and an amount of more than zero.")
        return redirect("billing_staff:invoice", pk=pk)
    now = timezone.now()
    user = staff_user(request)
    if not tries_allowed(
        code=form.cleaned_data["code"], ip=client_ip(request), now=now, user_id=user.pk
    ):
        return limited(request, "gift voucher codes")
    try:
        voucher_redeem_on_invoice(
            code=form.cleaned_data["code"],
            invoice_id=invoice.pk,
            patient=invoice.patient,
            amount=form.cleaned_data["amount"],
            by=user,
            now=now,
        )
    except BillingError as error:
        refused(request, error)
    else:
        messages.success(
            request, f"Used {format_money(form.cleaned_data['amount'])} of the gift voucher."
        )
    return redirect("billing_staff:invoice", pk=pk)
