"""Invoices at the desk: from an appointment or blank, its lines while draft, issue."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from billing.forms import InvoiceForm, LineForm
from billing.models import PaymentMethod
from billing.selectors import invoice_balance
from billing.services.errors import BillingError
from billing.services.invoices import (
    LineInput,
    invoice_discard,
    invoice_draft,
    invoice_draft_for_appointment,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_line_update,
    invoice_update,
)
from billing.views.common import get_invoice, get_line, get_patient, log_view, refused
from booking.models import Appointment
from clinic.access import staff_required, staff_user

VIEW, EDIT = "billing.view_invoice", "billing.change_invoice"


@staff_required("billing.add_invoice")
@require_POST
def invoice_for_appointment(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "service", "location"), reference=reference
    )
    try:
        invoice = invoice_draft_for_appointment(
            appointment=appointment, created_by=staff_user(request)
        )
    except BillingError as error:
        refused(request, error)
        return redirect("staff:appointment", reference=reference)
    return redirect("billing_staff:invoice", pk=invoice.pk)


@staff_required("billing.add_invoice")
@require_POST
def invoice_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A blank draft for the patient (a course, a product, any fee): lines are added next."""
    invoice = invoice_draft(patient=get_patient(pk), lines=[], created_by=staff_user(request))
    return redirect("billing_staff:invoice", pk=invoice.pk)


def _render_invoice(
    request: HttpRequest,
    pk: int,
    *,
    invoice_form: InvoiceForm | None = None,
    line_form: LineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    invoice = get_invoice(pk)
    log_view(request, invoice.patient, "invoice", detail=str(invoice))
    lines = list(invoice.lines.select_related("appointment"))
    allocations = list(invoice.allocations.select_related("payment"))
    context = {
        "invoice": invoice,
        "lines": lines,
        "amounts": invoice.amounts() if invoice.is_draft else None,
        "balance": invoice_balance(invoice),
        "credit_notes": invoice.credit_notes.all(),
        "allocations": allocations,
        # A credit note on it can go back to the card (billing.services.online).
        "paid_online": any(a.payment.method == PaymentMethod.ONLINE for a in allocations),
        "online_payments": settings.CLINIC_ONLINE_PAYMENTS,
        "invoice_form": invoice_form or InvoiceForm(instance=invoice),
        "line_form": line_form or LineForm(),
        "line_forms": [(line, LineForm(instance=line, prefix=f"l{line.pk}")) for line in lines],
    }
    return render(request, "staff/billing/invoice.html", context, status=status)


@staff_required(VIEW)
@require_GET
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_invoice(request, pk)


@staff_required(EDIT)
@require_POST
def invoice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_invoice(pk)
    form = InvoiceForm(request.POST, instance=invoice)
    if not form.is_valid():
        return _render_invoice(request, pk, invoice_form=form, status=400)
    try:
        invoice_update(invoice=invoice, **{k: form.cleaned_data[k] for k in form.Meta.fields})
    except BillingError as error:
        refused(request, error)
    return redirect("billing_staff:invoice", pk=pk)


@staff_required(EDIT)
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_invoice(pk)
    form = LineForm(request.POST)
    if not form.is_valid():
        return _render_invoice(request, pk, line_form=form, status=400)
    try:
        invoice_line_add(invoice=invoice, line=LineInput(**form.cleaned_data))
    except BillingError as error:
        refused(request, error)
    return redirect("billing_staff:invoice", pk=pk)


@staff_required(EDIT)
@require_POST
def line_update(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_line(pk)
    form = LineForm(request.POST, instance=line, prefix=f"l{line.pk}")
    if not form.is_valid():
        messages.error(
            request,
            "Check the line: "
            + " ".join(str(message) for errors in form.errors.values() for message in errors),
        )
        return redirect("billing_staff:invoice", pk=line.invoice_id)
    try:
        invoice_line_update(line=line, **form.cleaned_data)
    except BillingError as error:
        refused(request, error)
    return redirect("billing_staff:invoice", pk=line.invoice_id)


@staff_required(EDIT)
@require_POST
def line_remove(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_line(pk)
    try:
        invoice_line_remove(line=line)
    except BillingError as error:
        refused(request, error)
    return redirect("billing_staff:invoice", pk=line.invoice_id)


@staff_required(EDIT)
@require_POST
def invoice_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_invoice(pk)
    try:
        issued = invoice_issue(invoice=invoice, issued_by=staff_user(request), now=timezone.now())
    except BillingError as error:
        refused(request, error)
    else:
        messages.success(request, f"Issued invoice {issued.number}.")
    return redirect("billing_staff:invoice", pk=pk)


@staff_required(EDIT)
@require_POST
def invoice_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_invoice(pk)
    try:
        invoice_discard(invoice=invoice)
    except BillingError as error:
        refused(request, error)
        return redirect("billing_staff:invoice", pk=pk)
    messages.success(request, "Draft discarded.")
    return redirect("billing_staff:account", pk=invoice.patient_id)
