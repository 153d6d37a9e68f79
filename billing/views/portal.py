"""The patient's invoices, credit notes and receipts in the portal, each downloadable.

The patient comes from the portal session only, never from the URL: a document of anyone
else's answers 404, the same as one that does not exist."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from billing.documents import credit_note_pdf, invoice_pdf, receipt_number, receipt_pdf
from billing.models import CreditNote, InvoiceStatus, Payment
from billing.selectors import patient_documents
from billing.selectors.cards import card_in_use, current_terms
from billing.services.cards import card_remove, card_setup_start
from billing.services.errors import BillingError
from billing.views.common import pdf_download
from billing.views.online import allowing_checkout
from booking.views.portal import portal_patient
from clinic.stripe_client import OnlinePaymentsOff
from patients.models import AccessVia, Patient
from patients.services import access_log_record


def _log(patient: Patient, record: str, detail: str = "") -> None:
    access_log_record(
        user=None, patient=patient, intake=None, record=record, via=AccessVia.PORTAL, detail=detail
    )


@require_GET
def documents(request: HttpRequest) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    _log(patient, "portal invoices")
    return render(request, "billing/portal_documents.html", patient_documents(patient.pk))


@require_GET
def invoice_download(request: HttpRequest, pk: int) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    invoice = get_object_or_404(patient.invoices, pk=pk, status=InvoiceStatus.ISSUED)
    _log(patient, "invoice PDF", detail=str(invoice))
    return pdf_download(lambda: invoice_pdf(invoice), filename=f"invoice-{invoice.number}.pdf")


@require_GET
def credit_note_download(request: HttpRequest, pk: int) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    note = get_object_or_404(CreditNote, pk=pk, invoice__patient=patient)
    _log(patient, "credit note PDF", detail=str(note))
    return pdf_download(lambda: credit_note_pdf(note), filename=f"credit-note-{note.number}.pdf")


@require_GET
def receipt_download(request: HttpRequest, pk: int) -> HttpResponse:
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    payment = get_object_or_404(Payment, pk=pk, patient=patient)
    number = receipt_number(payment)
    _log(patient, "receipt PDF", detail=number)
    return pdf_download(lambda: receipt_pdf(payment), filename=f"receipt-{number}.pdf")


# --- The card on file -----------------------------------------------------------------


def _card_page(request: HttpRequest, patient: Patient, **extra: object) -> HttpResponse:
    context = {
        "patient": patient,
        "card": card_in_use(patient.pk),
        "terms": current_terms(),
        "online": settings.CLINIC_ONLINE_PAYMENTS,
        "saved": request.GET.get("saved") == "1",
        **extra,
    }
    status = 400 if extra.get("error") else 200
    return allowing_checkout(render(request, "billing/portal_card.html", context, status=status))


@require_GET
def card(request: HttpRequest) -> HttpResponse:
    """The patient's saved card (brand, last four digits, expiry, the terms agreed and
    when), or the terms to agree to and a button to save one on the provider's page."""
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    _log(patient, "portal saved card")
    return _card_page(request, patient)


@require_POST
def card_save(request: HttpRequest) -> HttpResponse:
    """Off to the provider's page to save a card, having ticked that the terms shown (their
    version comes back with the form) are agreed. The card is recorded from the provider's
    event alone, under that version."""
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    _log(patient, "portal saved card", detail="save a card")
    if request.POST.get("agree") != "yes":
        return _card_page(request, patient, error="Tick the box to agree to the terms first.")
    try:
        version = int(request.POST.get("terms_version", ""))
    except ValueError:
        version = 0
    back = request.build_absolute_uri(reverse("billing_portal:card"))
    try:
        setup = card_setup_start(
            patient=patient,
            terms_version=version,
            success_url=f"{back}?saved=1",
            cancel_url=back,
            now=timezone.now(),
        )
    except OnlinePaymentsOff:
        return _card_page(request, patient, error="Cards cannot be saved online just now.")
    except BillingError as error:
        return _card_page(request, patient, error=error.message)
    return HttpResponseRedirect(setup.url, status=303)


@require_POST
def card_remove_view(request: HttpRequest) -> HttpResponse:
    """The patient takes their card off file: it is never charged again."""
    patient = portal_patient(request)
    if patient is None:
        return redirect("booking:portal_sign_in")
    saved = card_in_use(patient.pk)
    if saved is not None:
        card_remove(patient=patient, card=saved, now=timezone.now())
        _log(patient, "portal saved card", detail="removed")
        messages.success(request, "Your card is removed: it will not be charged.")
    return redirect("billing_portal:card")
