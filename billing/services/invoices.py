"""Invoices: drafts (from an appointment or any lines), their lines while draft, and
issuing, which numbers the invoice and fixes every figure for good."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.arithmetic import ZERO, total
from billing.models import (
    INVOICEABLE_STATUSES,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PackageUse,
    Payer,
    PaymentAllocation,
    VatStatus,
)
from billing.notify import documents as notify
from billing.selectors import held_for_appointments
from billing.services.errors import BillingError
from billing.services.locks import lock_invoices, lock_patient
from billing.services.numbers import next_number
from booking.models import Appointment, AppointmentStatus, Service
from patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


@dataclass(frozen=True)
class LineInput:
    """A line as the desk enters it (unit price before VAT; the rate a percentage)."""

    description: str
    unit_price: Decimal
    quantity: int = 1
    vat_status: str = VatStatus.EXEMPT
    vat_rate: Decimal = ZERO
    nominal_code: str = ""
    service: Service | None = None
    appointment: Appointment | None = field(default=None)


def _refuse(error: ValidationError) -> BillingError:
    return BillingError(" ".join(error.messages), code="invalid")


def _new_line(invoice: Invoice, line: LineInput) -> InvoiceLine:
    row = InvoiceLine(
        invoice=invoice,
        description=line.description,
        unit_price=line.unit_price,
        quantity=line.quantity,
        vat_status=line.vat_status,
        vat_rate=line.vat_rate,
        nominal_code=line.nominal_code,
        service=line.service,
        appointment=line.appointment,
    )
    try:
        row.full_clean()
    except ValidationError as error:
        raise _refuse(error) from None
    return row


def invoice_draft(
    *,
    patient: Patient,
    lines: Sequence[LineInput],
    created_by: "StaffUser | None",
    payer: Payer | None = None,
    due_on: dt.date | None = None,
    policy_number: str = "",
    authorisation_number: str = "",
    notes: str = "",
) -> Invoice:
    """A draft invoice with `lines` (a course, a product such as a heat pack, any fee)."""
    invoice = Invoice(
        patient=patient,
        payer=payer,
        due_on=due_on,
        policy_number=policy_number,
        authorisation_number=authorisation_number,
        notes=notes,
        currency=settings.CLINIC_CURRENCY,
        created_by=created_by,
    )
    try:
        invoice.full_clean()
    except ValidationError as error:
        raise _refuse(error) from None
    with transaction.atomic():
        invoice.save()
        rows = [_new_line(invoice, line) for line in lines]
        try:
            InvoiceLine.objects.bulk_create(rows)
        except IntegrityError:
            # Another desk invoiced one of these appointments a moment ago.
            raise BillingError(
                "This appointment is already invoiced.", code="already_invoiced"
            ) from None
    return invoice


def appointment_line(
    appointment: Appointment, *, package_use: PackageUse | None = None
) -> LineInput:
    """The line for an appointment: its service at the service's current price. The
    description carries the date, as insurers' receipts need it. A session paid by a
    package credit is a line at 0.00 that says so: the money is on the package's sale
    invoice, and this invoice still records the date of treatment (decision 0105)."""
    local = timezone.localtime(appointment.start, appointment.location.zone)
    what = appointment.service.name
    if appointment.status == AppointmentStatus.NO_SHOW:
        what = f"Missed appointment fee: {what}"
    elif appointment.status == AppointmentStatus.LATE_CANCELLED:
        what = f"Late cancellation fee: {what}"
    description = f"{what}, {local:%d %b %Y %H:%M}"
    price = appointment.service.price
    if package_use is not None:
        sessions = package_use.package.sessions
        description += f", paid by package (credit {package_use.number} of {sessions})"
        price = ZERO
    return LineInput(
        description=description[:200],
        unit_price=price,
        service=appointment.service,
        appointment=appointment,
    )


def invoice_draft_for_appointment(
    *, appointment: Appointment, created_by: "StaffUser | None"
) -> Invoice:
    """A draft invoice with the appointment's line, for a completed session, a late
    cancellation or a no-show; an appointment is invoiced once (a constraint). The
    patient's row is locked first, as a package credit applied by hand is, so a session
    is never both paid by a credit and invoiced at its price."""
    if appointment.status not in INVOICEABLE_STATUSES:
        raise BillingError(
            "Only a completed appointment, a late cancellation or a no-show can be invoiced.",
            code="not_invoiceable",
        )
    with transaction.atomic():
        lock_patient(appointment.patient_id)
        if InvoiceLine.objects.filter(appointment=appointment).exists():
            raise BillingError("This appointment is already invoiced.", code="already_invoiced")
        use = PackageUse.objects.select_related("package").filter(appointment=appointment).first()
        return invoice_draft(
            patient=appointment.patient,
            lines=[appointment_line(appointment, package_use=use)],
            created_by=created_by,
        )


def _lock_draft(invoice: Invoice) -> Invoice:
    """The invoice locked (after its patient), refused if it is no longer a draft."""
    lock_patient(invoice.patient_id)
    locked = lock_invoices([invoice.pk])[invoice.pk]
    if locked.status != InvoiceStatus.DRAFT:
        raise BillingError(
            f"Invoice {locked.number} is issued: correct it with a credit note.", code="issued"
        )
    return locked


@transaction.atomic
def invoice_update(
    *,
    invoice: Invoice,
    payer: Payer | None,
    due_on: dt.date | None,
    policy_number: str,
    authorisation_number: str,
    notes: str,
) -> Invoice:
    """The draft's payer, due date, insurer numbers and notes."""
    locked = _lock_draft(invoice)
    locked.payer = payer
    locked.due_on = due_on
    locked.policy_number = policy_number
    locked.authorisation_number = authorisation_number
    locked.notes = notes
    try:
        locked.full_clean()
    except ValidationError as error:
        raise _refuse(error) from None
    locked.save()
    return locked


@transaction.atomic
def invoice_line_add(*, invoice: Invoice, line: LineInput) -> InvoiceLine:
    locked = _lock_draft(invoice)
    row = _new_line(locked, line)
    row.save()
    return row


@transaction.atomic
def invoice_line_update(
    *,
    line: InvoiceLine,
    description: str,
    quantity: int,
    unit_price: Decimal,
    vat_status: str,
    vat_rate: Decimal,
    nominal_code: str,
) -> InvoiceLine:
    _lock_draft(line.invoice)
    line.description = description
    line.quantity = quantity
    line.unit_price = unit_price
    line.vat_status = vat_status
    line.vat_rate = vat_rate
    line.nominal_code = nominal_code
    try:
        line.full_clean()
    except ValidationError as error:
        raise _refuse(error) from None
    line.save()
    return line


@transaction.atomic
def invoice_line_remove(*, line: InvoiceLine) -> None:
    _lock_draft(line.invoice)
    line.delete()


@transaction.atomic
def invoice_discard(*, invoice: Invoice) -> None:
    """Throw a draft away (an issued invoice never goes: the database refuses it)."""
    locked = _lock_draft(invoice)
    locked.delete()


def _apply_held(invoice: Invoice, lines: list[InvoiceLine], *, now: dt.datetime) -> None:
    """Put what was taken towards the invoice's appointments before it existed (a deposit,
    a prepayment, a voucher used at booking) against it, up to its total; anything over
    stays the patient's credit. The patient's row is locked (by _lock_draft), so no other
    allocation of these payments runs meanwhile."""
    held = held_for_appointments(line.appointment_id for line in lines if line.appointment_id)
    left = invoice.total or ZERO
    rows = []
    for payment, free in held:
        take = min(free, left)
        if take <= 0:
            break
        rows.append(
            PaymentAllocation(
                payment=payment, invoice=invoice, amount=take, allocated_at=now, allocated_by=None
            )
        )
        left -= take
    PaymentAllocation.objects.bulk_create(rows)


@transaction.atomic
def invoice_issue(
    *,
    invoice: Invoice,
    issued_by: "StaffUser | None",
    now: dt.datetime,
    notify_patient: bool = True,
) -> Invoice:
    """Number the draft and store its figures: from now on nobody changes it (the database
    refuses). Eight queries whatever the number of lines: lock the patient and the invoice,
    read the lines, store their figures (one UPDATE), take the number (three), save; when
    the lines name appointments, one more reads what was taken towards them (a deposit)
    and one INSERT puts it against the invoice. The
    patient is emailed a link to it after the commit unless `notify_patient` is off."""
    locked = _lock_draft(invoice)
    lines = list(locked.lines.all())
    if not lines:
        raise BillingError("Add at least one line before issuing.", code="empty")
    for line in lines:
        figures = line.amounts()
        line.net, line.tax, line.gross = figures.net, figures.tax, figures.gross
    amounts = total(line.amounts() for line in lines)
    InvoiceLine.objects.bulk_update(lines, ["net", "tax", "gross"])
    locked.net_total, locked.tax_total, locked.total = amounts.net, amounts.tax, amounts.gross
    if locked.due_on is None:
        issue_day = timezone.localdate(now)
        locked.due_on = issue_day + dt.timedelta(days=settings.CLINIC_INVOICE_DUE_DAYS)
    locked.status = InvoiceStatus.ISSUED
    locked.issued_at = now
    locked.issued_by = issued_by
    # The number last: the sequence row is locked from here to the commit.
    locked.number = next_number(kind=DocumentKind.INVOICE)
    locked.save()
    if locked.payer_id is None:
        _apply_held(locked, lines, now=now)
    if notify_patient:
        notify.after_invoice_issued(locked)
    return locked
