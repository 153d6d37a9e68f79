"""Demo money for the demo clinic (booking's demo_clinic command): invoices in every state
through the billing services, so the demo shows what the desk sees. Nothing when the demo
patients have an invoice already (a second run of the demo)."""

import datetime as dt
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings

from billing.gateways import stripe as gateway
from billing.links import pay_path
from billing.models import (
    CardSource,
    FeeProposal,
    FeeStatus,
    GiftVoucher,
    Invoice,
    InvoiceStatus,
    Package,
    PackageType,
    Payer,
    PayerKind,
    PaymentPolicy,
    PolicyKind,
    PolicyPatients,
    RefundRule,
    SavedCard,
    ValidityUnit,
    VatStatus,
)
from billing.selectors import InvoiceBalance, MoneyState, with_balances
from billing.selectors.cards import card_in_use, current_terms
from billing.selectors.vouchers import voucher_figures
from billing.services.cards import card_on_file_record
from billing.services.credit_notes import credit_note_issue
from billing.services.fees import fee_propose
from billing.services.invoices import (
    LineInput,
    invoice_draft,
    invoice_draft_for_appointment,
    invoice_issue,
    invoice_update,
)
from billing.services.packages import package_credit_use, package_sell
from billing.services.payments import Allocation, payment_take
from billing.services.voucher_sales import voucher_sell
from billing.services.vouchers import voucher_code_issue, voucher_find
from booking.links import absolute
from booking.models import Appointment, AppointmentStatus, Service
from clinic.stripe_client import stripe_client
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


# --- Card on file and a no-show fee (decision 0104) -------------------------------------

# The demo card is saved only on a Stripe on this machine (bin/run's stand-in), never on
# a real account, and only if it answers within this long.
STANDIN_WAIT_SECONDS = 15.0


def _local_standin_answers() -> bool:
    """Whether the payment provider is the local stand-in and it is up (bin/run starts it
    before the demo): the demo works without it, its patients then have no saved card."""
    base = settings.STRIPE_API_BASE
    if not (settings.CLINIC_ONLINE_PAYMENTS and base):
        return False
    address = urlsplit(base)
    if address.hostname not in ("127.0.0.1", "localhost") or address.port is None:
        return False
    deadline = time.monotonic() + STANDIN_WAIT_SECONDS
    while True:
        try:
            with socket.create_connection((address.hostname, address.port), timeout=0.5):
                return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)


def _standin_knows(card: SavedCard) -> bool:
    """The stand-in keeps its cards in memory: a card saved on an earlier run is gone."""
    try:
        stripe_client().v1.payment_methods.retrieve(card.payment_method)
    except stripe.StripeError:
        return False
    return True


def _demo_card(patient: Patient, *, now: dt.datetime) -> SavedCard | None:
    """The patient saves the succeeding test card (4242) on the stand-in's setup page, as
    they would in the portal, and the clinic records it under the current terms."""
    terms = current_terms()
    if terms is None or not _local_standin_answers():
        return None
    existing = card_in_use(patient.pk)
    if existing is not None and _standin_knows(existing):
        return existing
    page = gateway.setup_checkout_create(
        reference=f"patient-{patient.pk}",
        description="Demo card kept for the cancellation terms",
        currency=settings.CLINIC_CURRENCY,
        success_url=absolute("/portal/"),
        cancel_url=absolute("/portal/"),
        idempotency_key=f"demo-card-{patient.pk}-{time.time_ns()}",
        metadata={"patient": str(patient.pk)},
    )
    # What the patient does on the hosted page; its answer sends the browser back to the
    # clinic, which is not serving yet: the redirect is not followed.
    form = urllib.parse.urlencode({"card": "succeeds"}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(urllib.request.Request(page.url, data=form, method="POST"), timeout=10)
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            return None
    details = gateway.saved_card_of_session(page.session_id)
    if details is None:
        return None
    return card_on_file_record(
        patient=patient, card=details, terms=terms, now=now, source=CardSource.PORTAL
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def seed_cards(*, patients: list[Patient], now: dt.datetime) -> FeeProposal | None:
    """A no-show fee waiting at the desk (staff: Fees), for a demo patient who missed a
    session, with a saved card to charge it to when the local Stripe is running (bin/run);
    without it the desk can still invoice the fee or waive it. A second run adds no fee
    and saves the card again only if the stand-in lost it (it keeps nothing on restart)."""
    waiting = (
        FeeProposal.objects.filter(patient__in=patients, status=FeeStatus.PROPOSED)
        .select_related("patient")
        .first()
    )
    if waiting is not None:
        _demo_card(waiting.patient, now=now)
        return waiting
    if FeeProposal.objects.filter(patient__in=patients).exists():
        return None
    missed = _missed_follow_up(patients, now=now)
    if missed is None:
        return None
    _demo_card(missed.patient, now=now)
    return fee_propose(appointment=missed, now=now)


def _missed_follow_up(patients: list[Patient], *, now: dt.datetime) -> Appointment | None:
    """A follow-up a returning demo patient missed after their last session, with its
    practitioner and room. A no-show holds neither (booking's RELEASED_STATUSES),
    so it fits beside whatever else was booked then."""
    last = (
        Appointment.objects.filter(
            patient__in=patients,
            status=AppointmentStatus.COMPLETED,
            # A week's room after it, so the missed one falls between it and now.
            start__lt=now - dt.timedelta(days=8),
            service__allows_first_visit=False,
        )
        .select_related("patient", "service", "location")
        .order_by("-start", "pk")
        .first()
    )
    if last is None:
        return None
    # The same weekday and hour as that session (inside the practitioner's hours), the
    # latest such day before now.
    zone = last.location.zone
    local = last.start.astimezone(zone).replace(tzinfo=None)
    weeks = (now - last.start).days // 7
    start = (local + dt.timedelta(weeks=weeks)).replace(tzinfo=zone)
    if start >= now:
        start = (local + dt.timedelta(weeks=weeks - 1)).replace(tzinfo=zone)
    end = start + dt.timedelta(minutes=last.service.duration_minutes)
    missed = Appointment(
        patient=last.patient,
        practitioner_id=last.practitioner_id,
        service=last.service,
        location=last.location,
        room_id=last.room_id,
        start=start,
        end=end,
        occupied_until=end + dt.timedelta(minutes=last.service.buffer_after_minutes),
        status=AppointmentStatus.NO_SHOW,
        source=last.source,
    )
    missed.full_clean(exclude={"patient", "practitioner", "service", "location", "room"})
    missed.save()
    return missed


def seed_deposits() -> str | None:
    """Online booking of the initial assessment asks new patients for a £20 deposit
    (decision 0103), so bin/run shows booking with payment on the local Stripe. Kept if
    the manager has set a rule for that service already; what it asks, in words."""
    service = Service.objects.filter(slug="initial-assessment").first()
    if service is None:
        return None
    PaymentPolicy.objects.get_or_create(
        service=service,
        location=None,
        patients=PolicyPatients.NEW,
        defaults={"kind": PolicyKind.DEPOSIT_AMOUNT, "amount": Decimal("20.00")},
    )
    return f"Booking “{service.name}” online asks new patients for a £20.00 deposit."


PACKAGE_NAME = "6 follow-up sessions for the price of 5"


def seed_packages(
    *, patients: list[Patient], desk: "StaffUser", now: dt.datetime
) -> Package | None:
    """A package type on sale (online too): 6 follow-ups for the price of 5, valid 6
    months, unused credits refunded pro rata; and one demo patient's package, bought a
    month ago, paid by card and partly used by their completed follow-ups not yet
    invoiced. Nothing when the type exists already (a second run of the demo)."""
    follow_up = Service.objects.filter(slug="follow-up").first()
    if follow_up is None or PackageType.objects.filter(name=PACKAGE_NAME).exists():
        return None
    kind = PackageType.objects.create(
        name=PACKAGE_NAME,
        sessions=6,
        price=follow_up.price * 5,
        validity=6,
        validity_unit=ValidityUnit.MONTHS,
        refund_rule=RefundRule.PRO_RATA,
        is_public=True,
    )
    kind.services.set([follow_up])
    sessions = list(
        Appointment.objects.filter(
            patient__in=patients,
            service=follow_up,
            status=AppointmentStatus.COMPLETED,
            invoice_lines__isnull=True,
        )
        .select_related("patient", "service")
        .order_by("patient_id", "start")
    )
    if not sessions:
        return None
    by_patient: dict[int, list[Appointment]] = defaultdict(list)
    for session in sessions:
        by_patient[session.patient_id].append(session)
    # The patient with the most sessions to pay: up to three credits used.
    own = max(by_patient.values(), key=len)[:3]
    patient = own[0].patient
    package = package_sell(
        patient=patient,
        package_type=kind,
        sold_by=desk,
        now=now - dt.timedelta(days=30),
        notify_patient=False,
    )
    _pay_in_full(package.invoice, method="card", by=desk, now=now - dt.timedelta(days=30))
    for session in own:
        package_credit_use(package=package, appointment=session, used_by=desk, now=now)
    return package


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
    )
    return 2


def demo_voucher_code() -> str | None:
    """The demo voucher's code while it has a balance left, to print for visitors."""
    voucher = voucher_find(DEMO_VOUCHER_CODE)
    if voucher is None or voucher_figures(voucher).balance <= 0:
        return None
    return DEMO_VOUCHER_CODE
