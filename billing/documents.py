"""Invoices, receipts and credit notes as PDF (decision 0099): an HTML template from
templates/billing/pdf/ rendered by WeasyPrint.

What a document shows: the clinic (legal name, address, registration, VAT number), the
patient or payer it is addressed to, and per line the service's name, the date of the
session, the practitioner and their professional registration number, the amounts and the
VAT status. Nothing clinical: no complaint, no note, no answer to a form.

WeasyPrint loads nothing from the network: its URL fetcher answers data: URIs only, so a
document renders the same offline, and a link typed into a line can never make the server
fetch an address (the stylesheet is inline in the template).
"""

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from types import ModuleType
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from PIL import ImageFile

from billing.models import CreditNote, Invoice, InvoiceLine, Payment, VatStatus
from billing.selectors import InvoiceBalance, with_balances
from clinic.models import Location


class PdfUnavailable(Exception):
    """WeasyPrint cannot load its system libraries (pango): documents cannot be made."""


class FetchRefused(ValueError):
    """A document asked for something other than a data: URI."""


PANGO_HINT = (
    "PDF invoices need pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
    "(macOS: brew install pango)"
)


def _weasyprint() -> ModuleType:
    # Imported when a document is made: without pango everything else still runs.
    try:
        import weasyprint  # noqa: PLC0415
    except OSError as error:
        raise PdfUnavailable(PANGO_HINT) from error
    # WeasyPrint's import tells Pillow, for the whole process, to accept truncated images;
    # the practitioners' photo check (booking/services/photos.py) must keep refusing a
    # damaged upload in a web worker that has made a PDF. Our documents load no images.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return weasyprint


@functools.cache
def _local_only_fetcher_class() -> type:
    weasyprint = _weasyprint()

    class LocalOnlyFetcher(weasyprint.URLFetcher):  # type: ignore[name-defined]
        """data: URIs and nothing else: no http(s), no file, no redirect."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False)

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> object:
            if not url.startswith("data:"):
                raise FetchRefused(f"Documents load nothing from outside: refused {url[:80]}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher


def local_only_fetcher() -> object:
    """WeasyPrint's URL fetcher for our documents (a new one per document)."""
    return _local_only_fetcher_class()()


def html_to_pdf(html: str) -> bytes:
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, url_fetcher=local_only_fetcher())
    pdf: bytes = document.write_pdf()
    return pdf


# --- What each document shows ----------------------------------------------------------


@dataclass(frozen=True)
class Clinic:
    name: str
    legal_name: str
    address: list[str]
    phone: str
    registration: str
    vat_number: str


def _clinic(location: Location | None) -> Clinic:
    """The clinic's facts; the address of the location the sessions took place at, else
    the first of the clinic's locations."""
    location = location or Location.objects.filter(is_active=True).order_by("pk").first()
    lines = [line.strip() for line in (location.address if location else "").splitlines()]
    return Clinic(
        name=settings.CLINIC_NAME,
        legal_name=settings.CLINIC_LEGAL_NAME,
        address=[line for line in lines if line],
        phone=(location.phone if location else "") or settings.CLINIC_PHONE,
        registration=settings.CLINIC_REGISTRATION,
        vat_number=settings.CLINIC_VAT_NUMBER,
    )


@dataclass(frozen=True)
class Line:
    description: str
    treated_on: dt.date | None
    practitioner: str
    registration_number: str
    quantity: int
    unit_price: Decimal
    vat_status: str
    vat_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


def _line(line: InvoiceLine) -> Line:
    appointment = line.appointment
    practitioner = appointment.practitioner if appointment else None
    amounts = line.amounts()
    return Line(
        description=line.description,
        treated_on=timezone.localtime(appointment.start, appointment.location.zone).date()
        if appointment
        else None,
        practitioner=practitioner.name if practitioner else "",
        registration_number=practitioner.registration_number if practitioner else "",
        quantity=line.quantity,
        unit_price=line.unit_price,
        vat_status=line.get_vat_status_display(),
        vat_rate=line.vat_rate,
        net=amounts.net,
        tax=amounts.tax,
        gross=amounts.gross,
    )


def _lines_of(invoice_ids: list[int]) -> list[InvoiceLine]:
    return list(
        InvoiceLine.objects.filter(invoice_id__in=invoice_ids).select_related(
            "appointment__location", "appointment__practitioner__user"
        )
    )


def _first_location(lines: list[InvoiceLine]) -> Location | None:
    return next((line.appointment.location for line in lines if line.appointment), None)


def _render(kind: str, context: dict[str, Any]) -> bytes:
    lines = context.get("lines", [])
    # Why an exempt line carries no VAT, said once under the lines that need it.
    context["exempt"] = any(
        isinstance(line, Line) and line.vat_status == VatStatus.EXEMPT.label for line in lines
    )
    context["outside_scope"] = any(
        isinstance(line, Line) and line.vat_status == VatStatus.OUTSIDE_SCOPE.label
        for line in lines
    )
    return html_to_pdf(render_to_string(f"billing/pdf/{kind}.html", context))


def invoice_pdf(invoice: Invoice) -> bytes:
    """An issued invoice as PDF (a draft has no number yet and is not a document)."""
    invoice = (
        with_balances(Invoice.objects.filter(pk=invoice.pk))
        .select_related("patient", "payer")
        .get()
    )
    lines = _lines_of([invoice.pk])
    return _render(
        "invoice",
        {
            "clinic": _clinic(_first_location(lines)),
            "invoice": invoice,
            "lines": [_line(line) for line in lines],
            "amounts": invoice.amounts(),
            "balance": InvoiceBalance.of(invoice),
            "currency": invoice.currency,
        },
    )


def receipt_number(payment: Payment) -> str:
    """Payments are never changed or deleted, so their id is a stable receipt number."""
    return f"R-{payment.pk:06d}"


def receipt_pdf(payment: Payment) -> bytes:
    """What one payment paid: each invoice it went to, and what was left as credit."""
    payment = Payment.objects.select_related("patient").get(pk=payment.pk)
    allocations = list(payment.allocations.select_related("invoice"))
    lines = _lines_of([allocation.invoice_id for allocation in allocations])
    allocated = sum((allocation.amount for allocation in allocations), Decimal("0.00"))
    return _render(
        "receipt",
        {
            "clinic": _clinic(_first_location(lines)),
            "payment": payment,
            "number": receipt_number(payment),
            "allocations": allocations,
            "lines": [_line(line) for line in lines],
            "credit": payment.amount - allocated,
            "currency": payment.currency,
        },
    )


def credit_note_pdf(credit_note: CreditNote) -> bytes:
    credit_note = CreditNote.objects.select_related("invoice__patient", "invoice__payer").get(
        pk=credit_note.pk
    )
    lines = _lines_of([credit_note.invoice_id])
    return _render(
        "credit_note",
        {
            "clinic": _clinic(_first_location(lines)),
            "credit_note": credit_note,
            "invoice": credit_note.invoice,
            "lines": list(credit_note.lines.all()),
            "currency": credit_note.invoice.currency,
        },
    )
