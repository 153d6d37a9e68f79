"""Packages of sessions (decision 0105): sold on their own invoice, at the desk or online;
one credit drawn by each completed session of a covered service; applied by hand at the
desk; expired by the task worker; unused credits refunded through a credit note.

Locks: the patient first (as every billing write), then the package row. Two sessions of
one patient completed at once, or two desks applying a credit, queue on the patient; the
package's count of uses is read after the lock, and the database refuses a credit number
used twice or beyond the package's sessions (decision 0105), so one credit pays once."""

import calendar
import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.arithmetic import ZERO
from billing.models import (
    CreditNote,
    InvoiceLine,
    Package,
    PackageStatus,
    PackageType,
    PackageUse,
    RefundRule,
    ValidityUnit,
    credit_value,
)
from billing.selectors.packages import PackageBalance, package_balance, packages_for_session
from billing.services.amounts import checked_amount
from billing.services.credit_notes import CreditLine, credit_note_issue
from billing.services.errors import BillingError
from billing.services.invoices import LineInput, invoice_draft, invoice_issue
from billing.services.locks import lock_patient
from booking.models import Appointment, AppointmentStatus
from clinic.money import format_money
from patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

logger = logging.getLogger(__name__)


# --- Selling ----------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day (31 Aug + 6 → 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def expiry_of(package_type: PackageType, *, bought_on: dt.date) -> dt.date:
    """The last day a package bought on `bought_on` pays for a session: 6 months from
    7 December is up to 6 June inclusive; 30 days from 1 March up to 30 March."""
    if package_type.validity_unit == ValidityUnit.DAYS:
        return bought_on + dt.timedelta(days=package_type.validity - 1)
    return _add_months(bought_on, package_type.validity) - dt.timedelta(days=1)


def sale_description(package_type: PackageType) -> str:
    return f"Package: {package_type.name}"[:200]


def package_sell(
    *,
    patient: Patient,
    package_type: PackageType,
    sold_by: "StaffUser | None",
    now: dt.datetime,
    notify_patient: bool = True,
) -> Package:
    """Sell a package: its invoice issued (one line, the type's price and VAT) and the
    package made from it. Its credits are usable once that invoice is paid, at the desk
    or online, as any invoice. `sold_by` None is the patient buying online, only a type
    sold online."""
    if not package_type.is_active:
        raise BillingError("This package is no longer sold.", code="not_on_sale")
    if sold_by is None and not package_type.is_public:
        raise BillingError("This package is not sold online.", code="not_public")
    if patient.is_archived:
        raise BillingError("This patient's record is archived.", code="archived")
    line = LineInput(
        description=sale_description(package_type),
        unit_price=package_type.price,
        vat_status=package_type.vat_status,
        vat_rate=package_type.vat_rate,
        nominal_code=package_type.nominal_code,
    )
    with transaction.atomic():
        draft = invoice_draft(patient=patient, lines=[line], created_by=sold_by)
        invoice = invoice_issue(
            invoice=draft, issued_by=sold_by, now=now, notify_patient=notify_patient
        )
        assert invoice.total is not None
        package = Package(
            patient=patient,
            type=package_type,
            sessions=package_type.sessions,
            price=invoice.total,
            price_per_credit=credit_value(invoice.total, package_type.sessions),
            invoice=invoice,
            bought_at=now,
            expires_on=expiry_of(package_type, bought_on=timezone.localdate(now)),
            sold_by=sold_by,
        )
        package.save()
    return package


# A package bought online and not paid within this time is not offered again: a new
# purchase makes a new one.
REUSE_UNPAID = dt.timedelta(hours=24)


@transaction.atomic
def package_buy_online(*, patient: Patient, package_type: PackageType, now: dt.datetime) -> Package:
    """The patient buys a package in the portal. A purchase of the same type they started
    lately and have not paid is answered again (a double click, the back button after
    leaving the card page), so they never owe two invoices for one package; its card
    page is then reused by checkout_start. The patient's row is locked first."""
    lock_patient(patient.pk)
    started = (
        Package.objects.filter(
            patient=patient,
            type=package_type,
            sold_by__isnull=True,
            status=PackageStatus.ACTIVE,
            bought_at__gt=now - REUSE_UNPAID,
            invoice__allocations__isnull=True,
            invoice__credit_notes__isnull=True,
        )
        .select_related("invoice", "type")
        .order_by("-bought_at", "-pk")
        .first()
    )
    if started is not None:
        return started
    return package_sell(patient=patient, package_type=package_type, sold_by=None, now=now)


# --- Credits ----------------------------------------------------------------------------


def _session_day(appointment: Appointment) -> dt.date:
    return timezone.localtime(appointment.start, timezone.get_current_timezone()).date()


def _refusal(balance: PackageBalance, appointment: Appointment) -> BillingError | None:
    """Why this package cannot pay for this session, in the desk's words, or None."""
    package = balance.package
    if package.patient_id != appointment.patient_id:
        return BillingError("That package is not this patient's.", code="other_patient")
    if package.status == PackageStatus.REFUNDED:
        return BillingError("This package was refunded: it pays for nothing more.", code="refunded")
    if package.status == PackageStatus.EXPIRED or _session_day(appointment) > package.expires_on:
        return BillingError(
            f"This package expired on {package.expires_on:%d %b %Y}: it cannot pay for a "
            "session after that day.",
            code="expired",
        )
    if not package.type.services.filter(pk=appointment.service_id).exists():
        return BillingError(
            f"This package does not cover “{appointment.service.name}”.", code="not_covered"
        )
    if not balance.paid:
        return BillingError(
            f"Invoice {package.invoice.number} for this package is not paid yet: its credits "
            "can be used once it is.",
            code="unpaid",
        )
    if balance.left <= 0:
        return BillingError(
            f"All {package.sessions} credits of this package are used.", code="used_up"
        )
    return None


def _draw(
    *, package: Package, appointment: Appointment, used_by: "StaffUser | None", now: dt.datetime
) -> PackageUse:
    """One credit of the package for the appointment. The caller holds the patient's
    lock; the package's row is locked here and its uses counted after the lock."""
    Package.objects.select_for_update().filter(pk=package.pk).values_list("pk").get()
    balance = package_balance(package, now=now)
    if (refused := _refusal(balance, appointment)) is not None:
        raise refused
    try:
        with transaction.atomic():
            return PackageUse.objects.create(
                package=balance.package,
                appointment=appointment,
                number=balance.used + 1,
                used_at=now,
                used_by=used_by,
            )
    except IntegrityError:
        # The database's backstop (decision 0105): the lock makes this unreachable.
        raise BillingError(
            "This session or this credit is paid already.", code="already_used"
        ) from None


def _already_settled(appointment: Appointment) -> BillingError | None:
    if PackageUse.objects.filter(appointment=appointment).exists():
        return BillingError("This session is already paid by a package.", code="already_used")
    if InvoiceLine.objects.filter(appointment=appointment).exists():
        return BillingError(
            "This session is already invoiced: correct the invoice with a credit note instead.",
            code="already_invoiced",
        )
    return None


@transaction.atomic
def package_credit_use(
    *,
    package: Package,
    appointment: Appointment,
    used_by: "StaffUser",
    now: dt.datetime,
) -> PackageUse:
    """The desk's "pay this session by package": a completed session not yet invoiced,
    of a service the package covers, on or before its last day, while it is paid and has
    a credit left. Each refusal says which of these failed."""
    lock_patient(appointment.patient_id)
    if appointment.status != AppointmentStatus.COMPLETED:
        raise BillingError("Only a completed session can be paid by a package.", code="status")
    if (refused := _already_settled(appointment)) is not None:
        raise refused
    return _draw(package=package, appointment=appointment, used_by=used_by, now=now)


def package_credit_draw(*, appointment: Appointment, now: dt.datetime) -> PackageUse | None:
    """At completion: one credit of the patient's usable package covering the session,
    the one expiring first; None when no package can pay (the session is invoiced as
    usual). Runs inside the status change's transaction."""
    lock_patient(appointment.patient_id)
    if _already_settled(appointment) is not None:
        return None
    found = packages_for_session(
        patient_id=appointment.patient_id,
        service_id=appointment.service_id,
        day=_session_day(appointment),
        now=now,
    )
    if not found:
        return None
    try:
        return _draw(package=found[0].package, appointment=appointment, used_by=None, now=now)
    except BillingError as error:
        # Never a reason to refuse the completion itself: the session is invoiced as
        # usual, and the desk can still apply a credit by hand.
        logger.warning("No package credit drawn for %s: %s", appointment.reference, error)
        return None


# --- Expiry and refunds -----------------------------------------------------------------


def packages_expire(*, now: dt.datetime) -> int:
    """Mark the packages whose last day has passed as expired: their credits left are
    forfeited (kept as a number, never deleted: the liabilities report reads them).
    Idempotent; the task worker runs it daily. How many were marked."""
    today = timezone.localdate(now)
    due = Package.objects.filter(status=PackageStatus.ACTIVE, expires_on__lt=today)
    return due.update(status=PackageStatus.EXPIRED, closed_at=now)


def refundable(balance: PackageBalance) -> Decimal:
    """The most a refund of this package's unused credits can give back, by its type's
    rule: nothing under "no refund", nor once expired, refunded or while unpaid; else
    what the unused credits are worth (never more than was paid for them)."""
    package = balance.package
    if package.type.refund_rule == RefundRule.NONE or not balance.paid or balance.expired:
        return ZERO
    if package.status != PackageStatus.ACTIVE:
        return ZERO
    return balance.unused_value


def _refund_refusal(balance: PackageBalance) -> BillingError | None:
    package = balance.package
    if package.status == PackageStatus.REFUNDED:
        return BillingError("This package was refunded already.", code="refunded")
    if balance.expired:
        return BillingError(
            "This package has expired: its unused credits were forfeited.", code="expired"
        )
    if package.type.refund_rule == RefundRule.NONE:
        return BillingError(
            f"“{package.type.name}” gives no refund of unused credits.", code="no_refund"
        )
    if not balance.paid:
        return BillingError(
            f"Invoice {package.invoice.number} is not paid: credit it from its page instead.",
            code="unpaid",
        )
    if balance.left <= 0:
        return BillingError("Every credit of this package is used.", code="used_up")
    return None


@transaction.atomic
def package_refund(
    *,
    package: Package,
    refunded_by: "StaffUser",
    now: dt.datetime,
    reason: str,
    amount: Decimal | None = None,
) -> CreditNote:
    """Give back the package's unused credits by its type's rule: a credit note on the
    sale invoice for what they are worth (pro rata), or for the amount the manager
    decides up to that ("manager decides"). The package then pays for nothing more. The
    money goes back from the credit note as any (in cash, or to the card it was paid
    with): never more than was paid, the credit note's own rule."""
    if not reason.strip():
        raise BillingError("Say why the package is refunded.", code="reason")
    lock_patient(package.patient_id)
    Package.objects.select_for_update().filter(pk=package.pk).get()
    balance = package_balance(package, now=now)
    if (refused := _refund_refusal(balance)) is not None:
        raise refused
    most = refundable(balance)
    if balance.package.type.refund_rule == RefundRule.PRO_RATA:
        if amount is not None and amount != most:
            raise BillingError(
                f"This package refunds its unused credits pro rata: {format_money(most)}.",
                code="pro_rata",
            )
        amount = most
    elif amount is None:
        raise BillingError("Enter the amount to refund.", code="amount")
    amount = checked_amount(amount)
    if amount > most:
        raise BillingError(
            f"The unused credits are worth {format_money(most)}: no more can be refunded.",
            code="over_unused",
        )
    line = balance.package.invoice.lines.get()
    note = credit_note_issue(
        invoice=balance.package.invoice,
        reason=reason,
        issued_by=refunded_by,
        now=now,
        lines=[CreditLine(invoice_line_id=line.pk, amount=amount)],
    )
    Package.objects.filter(pk=package.pk).update(status=PackageStatus.REFUNDED, closed_at=now)
    return note
