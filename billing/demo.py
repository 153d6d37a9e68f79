"""Demo money for the demo clinic (booking's demo_clinic command): invoices in every state
through the billing services, so the demo shows what the desk sees. Nothing when the demo
patients have an invoice already (a second run of the demo)."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from billing.links import pay_path
from billing.models import GiftVoucher, Invoice, InvoiceStatus, Payer, PayerKind, VatStatus
from billing.selectors import InvoiceBalance, MoneyState, with_balances
from billing.selectors.vouchers import voucher_figures
from billing.services.credit_notes import credit_note_issue
from billing.services.invoices import (
    LineInput,
    invoice_draft,
    invoice_draft_for_appointment,
    invoice_issue,
    invoice_update,
)
from billing.services.payments import Allocation, payment_take
from billing.services.voucher_sales import voucher_sell
from billing.services.vouchers import voucher_code_issue, voucher_find
from booking.links import absolute
from booking.models import Appointment, AppointmentStatus
from patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

HEAT_PACK = LineInput(
    description="Reusable heat pack",
    unit_price=Decimal("12.50"),
    vat_status=VatStatus.STANDARD,
    vat_rate=Decimal(20),
    nominal_code="4100",
)


def _issue(invoice: Invoice, *, by: "StaffUser", now: dt.datetime) -> Invoice:
    # Invented patients: no email about their invoices or receipts.
    return invoice_issue(invoice=invoice, issued_by=by, now=now, notify_patient=False)


def _pay(
    patient: Patient,
    amount: str,
    *paid: tuple[Invoice, str],
    method: str,
    by: "StaffUser",
    now: dt.datetime,
) -> None:
    payment_take(
        patient=patient,
        method=method,
        amount=Decimal(amount),
        allocations=[Allocation(invoice.pk, Decimal(part)) for invoice, part in paid],
        taken_by=by,
        now=now,
        notify_patient=False,
    )


def _pay_in_full(*invoices: Invoice, method: str, by: "StaffUser", now: dt.datetime) -> None:
    total = sum(invoice.amounts().gross for invoice in invoices)
    paid = [(invoice, str(invoice.amounts().gross)) for invoice in invoices]
    _pay(invoices[0].patient, str(total), *paid, method=method, by=by, now=now)


def seed_billing(
    *, patients: list[Patient], desk: "StaffUser", manager: "StaffUser", now: dt.datetime
) -> int:
    """Invoice the demo patients' past sessions: one each of draft, issued unpaid, part
    paid, paid, credited; a payment across two invoices; an insurer's invoice; a heat
    pack with VAT; a patient left with credit. Returns how many invoices were made."""
    if Invoice.objects.filter(patient__in=patients).exists():
        return 0
    bupa, _ = Payer.objects.get_or_create(
        kind=PayerKind.INSURER,
        name="Bupa",
        defaults={"address": "1 Angel Court, London EC2R 7HJ", "provider_number": "BUPA-40017"},
    )
    seen = list(
        Appointment.objects.filter(
            patient__in=patients,
            start__lt=now,
            status__in=[AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW],
        )
        .select_related("patient", "service", "location")
        .order_by("patient_id", "start", "pk")
    )
    by_patient: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in seen:
        by_patient[appointment.patient_id].append(appointment)
    pair = next((found[:2] for found in by_patient.values() if len(found) >= 2), [])
    others = [appointment for appointment in seen if appointment not in pair][:7]
    if len(pair) < 2 or len(others) < 7:
        return 0
    # The first stays a draft; the others are issued.
    _, *to_issue = (invoice_draft_for_appointment(appointment=a, created_by=desk) for a in others)
    invoice_update(
        invoice=to_issue[4],
        payer=bupa,
        due_on=None,
        policy_number="BP-5521-889",
        authorisation_number="PA-20931",
        notes="",
    )
    issued = [_issue(invoice, by=desk, now=now) for invoice in to_issue]
    _unpaid, part_paid, paid, credited, insured, overpaid = issued
    first, second = (
        _issue(invoice_draft_for_appointment(appointment=a, created_by=desk), by=desk, now=now)
        for a in pair
    )
    _pay(part_paid.patient, "20.00", (part_paid, "20.00"), method="card", by=desk, now=now)
    _pay_in_full(paid, method="cash", by=desk, now=now)
    _pay_in_full(insured, method="insurer", by=desk, now=now)
    _pay_in_full(first, second, method="card", by=desk, now=now)  # one payment, two invoices
    credit_note_issue(
        invoice=credited,
        reason="Session cut short: the patient felt faint (no charge)",
        issued_by=manager,
        now=now,
        amount=credited.amounts().gross,
    )
    # A heat pack (standard-rated VAT) paid with 25.00 more than owed: the patient's credit.
    product = _issue(
        invoice_draft(patient=overpaid.patient, lines=[HEAT_PACK], created_by=desk),
        by=desk,
        now=now,
    )
    owed = product.amounts().gross + overpaid.amounts().gross
    _pay(
        overpaid.patient,
        str(owed + 25),
        (product, str(product.amounts().gross)),
        (overpaid, str(overpaid.amounts().gross)),
        method="card",
        by=desk,
        now=now,
    )
    return 1 + len(to_issue) + 3


def unpaid_pay_url(patients: list[Patient]) -> str | None:
    """The payment link of a demo invoice the patient owes in full, to pay it in the
    browser on the local Stripe (bin/run); None if every one is paid."""
    invoices = with_balances(
        Invoice.objects.filter(
            patient__in=patients, status=InvoiceStatus.ISSUED, payer__isnull=True
        ).order_by("issued_at", "pk")
    )
    for invoice in invoices:
        if InvoiceBalance.of(invoice).state == MoneyState.UNPAID:
            return absolute(pay_path(invoice))
    return None


# A gift voucher a visitor of the demo can spend when booking online (bin/run prints it).
DEMO_VOUCHER_CODE = "XMAS-2027-GFTV-D3M0"


def seed_vouchers(*, patients: list[Patient], desk: "StaffUser", now: dt.datetime) -> int:
    """Two gift vouchers bought by the first demo patient: £100 paid at the desk with the
    known code above, and £30 still awaiting payment. Nothing when the demo has vouchers
    already. Returns how many were made."""
    if not patients or GiftVoucher.objects.filter(buyer__in=patients).exists():
        return 0
    buyer = patients[0]
    gift = voucher_sell(
        buyer=buyer,
        amount=Decimal("100.00"),
        recipient_name="Demo Visitor",
        recipient_email="",
        message="Happy holidays!",
        sold_by=desk,
        now=now,
        schedule_expiry=False,
    )
    _pay_in_full(gift.sale_invoice, method="card", by=desk, now=now)
    voucher_code_issue(voucher=gift, now=now, code=DEMO_VOUCHER_CODE)
    voucher_sell(
        buyer=buyer,
        amount=Decimal("30.00"),
        recipient_name="Alex Friend",
        recipient_email="",
        message="",
        sold_by=desk,
        now=now,
        schedule_expiry=False,
    )
    return 2


def demo_voucher_code() -> str | None:
    """The demo voucher's code while it has a balance left, to print for visitors."""
    voucher = voucher_find(DEMO_VOUCHER_CODE)
    if voucher is None or voucher_figures(voucher).balance <= 0:
        return None
    return DEMO_VOUCHER_CODE
