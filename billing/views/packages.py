"""Packages of sessions at the desk and in the portal (decision 0105): sell one (its
invoice is then paid as any), pay a completed session by a credit, refund the unused
credits; in the portal, the patient's credits and the packages sold online, bought by
card on the provider's page."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.forms import PackageRefundForm, PackageSellForm, PackageUseForm
from billing.links import pay_token
from billing.models import Package, PackageType, RefundRule
from billing.selectors.packages import (
    package_balance,
    package_types_on_sale,
    patient_packages,
    sessions_to_pay_by_package,
)
from billing.services.errors import BillingError
from billing.services.online import checkout_start
from billing.services.packages import (
    package_buy_online,
    package_credit_use,
    package_refund,
    package_sell,
    refundable,
)
from billing.views.common import get_patient, log_view, refused
from billing.views.online import allowing_checkout
from booking.views.portal import portal_patient
from clinic.access import staff_required, staff_user
from clinic.money import format_money
from clinic.stripe_client import OnlinePaymentsOff
from patients.models import AccessVia, Patient
from patients.services import access_log_record

# --- At the desk ------------------------------------------------------------------------


@staff_required("billing.add_package", "billing.add_invoice", "billing.view_invoice")
@require_POST
def package_sell_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Sell a package: its invoice is issued, then paid as any invoice (the desk is sent
    to it, with its "Take a payment")."""
    patient = get_patient(pk)
    form = PackageSellForm(request.POST, types=PackageType.objects.filter(is_active=True))
    if not form.is_valid():
        messages.error(request, "Choose a package on sale.")
        return redirect("billing_staff:account", pk=pk)
    try:
        package = package_sell(
            patient=patient,
            package_type=form.cleaned_data["package_type"],
            sold_by=staff_user(request),
            now=timezone.now(),
        )
    except BillingError as error:
        refused(request, error)
        return redirect("billing_staff:account", pk=pk)
    messages.success(
        request,
        f"Sold “{package.type.name}” on invoice {package.invoice.number}: its credits can be "
        "used once it is paid.",
    )
    return redirect("billing_staff:invoice", pk=package.invoice_id)


@staff_required("billing.add_packageuse", "billing.view_package")
@require_POST
def package_use_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay a completed session not yet invoiced with one of the patient's packages."""
    patient = get_patient(pk)
    form = PackageUseForm(
        request.POST,
        sessions=sessions_to_pay_by_package(patient.pk),
        packages=Package.objects.filter(patient=patient).select_related("type"),
    )
    if not form.is_valid():
        messages.error(request, "Choose a session not yet invoiced and one of the packages.")
        return redirect("billing_staff:account", pk=pk)
    try:
        use = package_credit_use(
            package=form.cleaned_data["package"],
            appointment=form.cleaned_data["appointment"],
            used_by=staff_user(request),
            now=timezone.now(),
        )
    except BillingError as error:
        refused(request, error)
    else:
        messages.success(
            request, f"Paid by package: credit {use.number} of {use.package.sessions}."
        )
    return redirect("billing_staff:account", pk=pk)


@staff_required("billing.change_package", "billing.add_creditnote", "billing.view_package")
@require_http_methods(["GET", "POST"])
def package_refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The manager gives back a package's unused credits by its type's rule, through a
    credit note on its sale invoice; the money then goes back from that note."""
    package = get_object_or_404(Package.objects.select_related("patient", "type"), pk=pk)
    log_view(request, package.patient, "packages", detail=f"refund of package {package.pk}")
    now = timezone.now()
    balance = package_balance(package, now=now)
    form = PackageRefundForm(request.POST or None)
    if form.is_valid():
        try:
            note = package_refund(
                package=package,
                refunded_by=staff_user(request),
                now=now,
                reason=form.cleaned_data["reason"],
                amount=form.cleaned_data["amount"],
            )
        except BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Issued credit note {note.number} for {format_money(note.total)}: refund it "
                "from the invoice.",
            )
            return redirect("billing_staff:invoice", pk=package.invoice_id)
    context = {
        "package": balance.package,
        "balance": balance,
        "most": refundable(balance),
        "asks_amount": package.type.refund_rule == RefundRule.MANAGER,
        "form": form,
    }
    status = 400 if form.is_bound else 200
    return render(request, "staff/billing/package_refund.html", context, status=status)


# --- In the portal ----------------------------------------------------------------------


def _portal_log(patient: Patient, record: str, detail: str = "") -> None:
    access_log_record(
        user=None, patient=patient, intake=None, record=record, via=AccessVia.PORTAL, detail=detail
    )


@require_GET
def portal_packages(request: HttpRequest) -> HttpResponse:
    """The patient's packages (credits left, used, until when) and those sold online."""
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    _portal_log(patient, "portal packages")
    context = {
        "packages": patient_packages(patient.pk, now=timezone.now()),
        "types": package_types_on_sale(public_only=True),
        "online": settings.CLINIC_ONLINE_PAYMENTS,
    }
    return allowing_checkout(render(request, "billing/portal_packages.html", context))


@require_POST
def portal_package_buy(request: HttpRequest, pk: int) -> HttpResponse:
    """Buy a package sold online: its invoice is issued and the patient goes on to pay it
    on the provider's page; the credits are usable once the provider's event records the
    payment (never from coming back here)."""
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    kind = PackageType.objects.filter(pk=pk, is_active=True, is_public=True).first()
    if kind is None:
        raise Http404("No such package.")
    if not settings.CLINIC_ONLINE_PAYMENTS:
        messages.error(request, "Packages cannot be paid online just now: please ask the clinic.")
        return redirect("billing_portal:packages")
    now = timezone.now()
    try:
        package = package_buy_online(patient=patient, package_type=kind, now=now)
    except BillingError as error:
        messages.error(request, error.message)
        return redirect("billing_portal:packages")
    token = pay_token(package.invoice)
    try:
        attempt = checkout_start(
            invoice=package.invoice,
            success_url=request.build_absolute_uri(reverse("billing:pay_done", args=[token])),
            cancel_url=request.build_absolute_uri(reverse("billing:pay", args=[token])),
            now=now,
        )
    except (BillingError, OnlinePaymentsOff):
        # The invoice stands: the patient can pay it from its link or at the desk.
        return redirect("billing:pay", token=token)
    return HttpResponseRedirect(attempt.url, status=303)
