"""The desk's cancellation and no-show fees: the list of fees waiting, and the three
decisions (charge the saved card, invoice for a pay link, waive with a reason), each a
POST that one service carries out (decision 0104)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from billing.models import FeeProposal, FeeStatus
from billing.selectors.fees import fees_decided, fees_waiting
from billing.services.errors import BillingError
from billing.services.fees import fee_charge, fee_invoice, fee_waive
from billing.views.common import log_view, refused
from clinic.access import staff_required, staff_user
from clinic.money import format_money
from patients.models import AccessVia
from patients.services import access_log_record_listed


@staff_required("billing.view_feeproposal")
@require_GET
def fee_list(request: HttpRequest) -> HttpResponse:
    waiting = fees_waiting()
    decided = fees_decided()
    access_log_record_listed(
        user=staff_user(request),
        patient_ids=[fee.patient_id for fee in (*waiting, *decided)],
        record="cancellation fees",
        via=AccessVia.STAFF,
    )
    context = {
        "waiting": waiting,
        "decided": decided,
        "online": settings.CLINIC_ONLINE_PAYMENTS,
    }
    return render(request, "staff/billing/fees.html", context)


def _fee(pk: int) -> FeeProposal:
    return get_object_or_404(FeeProposal.objects.select_related("patient"), pk=pk)


def _back(request: HttpRequest) -> HttpResponse:
    """Back where the decision was taken: the fees list or the patient's billing page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("billing_staff:fees")


@staff_required("billing.change_feeproposal", "billing.add_invoice", "billing.add_payment")
@require_POST
def fee_charge_view(request: HttpRequest, pk: int) -> HttpResponse:
    fee = _fee(pk)
    log_view(request, fee.patient, "cancellation fee", detail=f"charge fee {fee.pk}")
    try:
        done = fee_charge(proposal=fee, by=staff_user(request), now=timezone.now())
    except BillingError as error:
        refused(request, error)
        return _back(request)
    if done.status == FeeStatus.CHARGED:
        messages.success(
            request, f"{format_money(done.amount)} charged: invoice {done.invoice} is paid."
        )
    else:
        messages.warning(
            request,
            f"The card was not charged ({done.failure_reason}). Invoice {done.invoice} is "
            "unpaid and its payment link is on its way to the patient.",
        )
    return _back(request)


@staff_required("billing.change_feeproposal", "billing.add_invoice")
@require_POST
def fee_invoice_view(request: HttpRequest, pk: int) -> HttpResponse:
    fee = _fee(pk)
    log_view(request, fee.patient, "cancellation fee", detail=f"invoice fee {fee.pk}")
    try:
        done = fee_invoice(proposal=fee, by=staff_user(request), now=timezone.now())
    except BillingError as error:
        refused(request, error)
        return _back(request)
    messages.success(
        request, f"Invoice {done.invoice} issued; its payment link is on its way to the patient."
    )
    return _back(request)


@staff_required("billing.change_feeproposal")
@require_POST
def fee_waive_view(request: HttpRequest, pk: int) -> HttpResponse:
    fee = _fee(pk)
    log_view(request, fee.patient, "cancellation fee", detail=f"waive fee {fee.pk}")
    try:
        fee_waive(
            proposal=fee,
            by=staff_user(request),
            reason=request.POST.get("reason", ""),
            now=timezone.now(),
        )
    except BillingError as error:
        refused(request, error)
        return _back(request)
    messages.success(request, f"The fee for {fee.patient.full_name} is waived.")
    return _back(request)
