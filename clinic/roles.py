"""The staff roles of DOMAIN.md: one table of capabilities, each a set of permissions,
and which role has which. Staff pages (clinic.access.staff_required) and the admin check
these permissions; data migrations make the groups from this table (sync_roles), so a
change of a role is a new migration that calls sync_roles again. README "Roles" shows the
same table.

What no group can be given: changing superusers, staff flags, groups or passwords is for
superusers only (clinic.admin_users), whatever permissions a role holds.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.management import create_permissions
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as StaffUser


RECEPTIONIST = "Receptionist"
PRACTITIONER = "Practitioner"
MANAGER = "Clinic manager"
SUPERUSER = "Superuser"  # not a group: Django's is_superuser


@dataclass(frozen=True)
class Capability:
    description: str
    permissions: tuple[str, ...]


FRONT_DESK = Capability(
    "Calendar, bookings and their changes, check-in and no-shows (through the booking rules)",
    (
        "booking.view_appointment",
        "booking.add_appointment",
        "booking.change_appointment",
        "booking.view_practitioner",
        "booking.view_service",
        "booking.view_weeklyhours",
        "booking.view_extrahours",
        "booking.view_timeoff",
        "booking.view_clinicclosure",
        "clinic.view_location",
        "clinic.view_room",
    ),
)
RECALLS = Capability(
    "Who is due a recall (an open episode, no next appointment) and the recalls sent, "
    "declined or booked",
    ("booking.view_recall",),
)
CONTACT = Capability(
    "Patients' contact details; intake status only",
    ("patients.view_patient", "patients.add_patient", "patients.change_patient"),
)
WAITLIST = Capability(
    "Waitlist",
    ("booking.view_waitlistentry", "booking.add_waitlistentry", "booking.change_waitlistentry"),
)
OWN_SCHEDULE = Capability(
    "Own working hours, extra hours and time off (never a colleague's)",
    (
        "booking.add_weeklyhours",
        "booking.change_weeklyhours",
        "booking.delete_weeklyhours",
        "booking.add_extrahours",
        "booking.change_extrahours",
        "booking.delete_extrahours",
        "booking.add_timeoff",
        "booking.change_timeoff",
        "booking.delete_timeoff",
    ),
)
CLINICAL = Capability(
    "Intake answers, screening, consent and their review, for the patients in their care, "
    "or by break-glass (every patient if CLINIC_PRACTITIONERS_SEE_ALL_PATIENTS)",
    (
        "patients.view_clinical",
        "patients.review_intake",
        "patients.view_intake",
        "patients.view_screeningresult",
        "patients.view_consentsignature",
        "patients.view_intakereview",
    ),
)
ALL_CLINICAL = Capability("Every patient's clinical records", ("patients.view_all_clinical",))
RUN_CLINIC = Capability(
    "Services, prices, booking policy, rooms, locations, pages, consent texts, everyone's "
    "schedule, the access log and its export, a patient's complete record on request, "
    "change history",
    ("clinic.*", "booking.*", "patients.*"),
)
STAFF_ACCOUNTS = Capability(
    "See staff accounts and their names; reset a colleague's second factor (logged)",
    ("auth.view_user", "auth.change_user", "otp_totp.delete_totpdevice"),
)

TAKE_PAYMENTS = Capability(
    "Invoices (draft, edit, issue, email the patient a link), payments at the desk, the "
    "patient's credit on an invoice; invoices, receipts and credit notes as PDF",
    (
        "billing.view_invoice",
        "billing.add_invoice",
        "billing.change_invoice",
        "billing.view_invoiceline",
        "billing.view_payment",
        "billing.add_payment",
        "billing.view_paymentallocation",
        "billing.view_creditnote",
        "billing.view_creditnoteline",
        "billing.view_refund",
        "billing.view_payer",
    ),
)
CREDIT_NOTES = Capability(
    "Credit notes, refunds in cash and to the card, payers (insurers and companies), the "
    "document numbers, online payment pages and the payment provider's events",
    (
        "billing.add_creditnote",
        "billing.add_refund",
        "billing.add_payer",
        "billing.change_payer",
        "billing.view_documentsequence",
        "billing.view_checkoutattempt",
        "billing.view_providerevent",
    ),
)
TAKINGS = Capability(
    "The clinic's takings by day, method and practitioner, what is owed by age, credit "
    "held, refunds, every cash-up, the accountant's CSV exports",
    (
        "billing.view_takings",
        "billing.view_own_takings",
        "billing.view_cashup",
        "billing.view_cashupline",
    ),
)
OWN_TAKINGS = Capability(
    "Own takings: payments for their own sessions", ("billing.view_own_takings",)
)
CASH_UP = Capability(
    "The desk's day-end cash-up: expected against counted, closed once",
    ("billing.view_cashup", "billing.add_cashup", "billing.view_cashupline"),
)
PAYMENT_POLICIES = Capability(
    "What online booking asks for (nothing, a deposit, prepayment or a saved card) per "
    "service, location and new or returning patients; the booking payment pages opened",
    (
        "billing.view_paymentpolicy",
        "billing.add_paymentpolicy",
        "billing.change_paymentpolicy",
        "billing.delete_paymentpolicy",
        "billing.view_bookingcheckout",
    ),
)
CARD_FEES = Capability(
    "Late cancellation and no-show fees: charge the saved card, invoice or waive with a "
    "reason; see a patient's saved card and the terms agreed",
    (
        "billing.view_feeproposal",
        "billing.change_feeproposal",
        "billing.view_savedcard",
        "billing.view_cancellationterms",
    ),
)
CANCELLATION_TERMS = Capability(
    "The cancellation terms patients agree to when saving a card (each edit a new version) "
    "and the card set-up pages opened",
    (
        "billing.view_cancellationterms",
        "billing.add_cancellationterms",
        "billing.change_cancellationterms",
        "billing.view_cardsetup",
    ),
)
PACKAGES = Capability(
    "Packages of sessions: sell one to a patient, see their credits, pay a completed "
    "session by a credit",
    (
        "billing.view_packagetype",
        "billing.view_package",
        "billing.add_package",
        "billing.view_packageuse",
        "billing.add_packageuse",
    ),
)
PACKAGE_TYPES = Capability(
    "The package types sold (sessions, price, validity, services, refund rule) and the "
    "refund of a package's unused credits",
    (
        "billing.add_packagetype",
        "billing.change_packagetype",
        "billing.delete_packagetype",
        "billing.change_package",
    ),
)

GIFT_VOUCHERS = Capability(
    "Gift vouchers: sell one, email or show its code once paid, spend one on an invoice, "
    "the list with balances and expiry",
    (
        "billing.view_giftvoucher",
        "billing.add_giftvoucher",
        "billing.change_giftvoucher",
        "billing.view_voucherredemption",
    ),
)
VOUCHER_TERMS = Capability(
    "The gift voucher terms: how long a voucher is valid, the amounts offered online, the "
    "lowest and highest amount",
    ("billing.view_voucherterms", "billing.change_voucherterms"),
)

TEXTS = Capability(
    "Texts: the inbox of patients' replies (mark handled), each patient's texts, replies "
    "and emails, their consent to texts (record it given or withdrawn)",
    (
        "messaging.view_inboundtext",
        "messaging.change_inboundtext",
        "messaging.view_textmessage",
        "messaging.view_emailrecord",
        "messaging.view_textconsent",
        "messaging.add_textconsent",
    ),
)

TEXT_SETTINGS = Capability(
    "Text message settings: texts to every patient as a second channel, quiet hours, the "
    "daily limit per patient",
    ("messaging.view_messagingsettings", "messaging.change_messagingsettings"),
)

MESSAGE_WORDING = Capability(
    "The wording of patients' emails and texts: edit each message with its placeholders, "
    "preview it with the demo patient, reset it to the default",
    (
        "messaging.view_messagetemplate",
        "messaging.add_messagetemplate",
        "messaging.change_messagetemplate",
        "messaging.delete_messagetemplate",
    ),
)

CAPABILITIES: dict[str, Capability] = {
    "front desk": FRONT_DESK,
    "contact details": CONTACT,
    "waitlist": WAITLIST,
    "recalls": RECALLS,
    "own schedule": OWN_SCHEDULE,
    "clinical records": CLINICAL,
    "all clinical records": ALL_CLINICAL,
    "run the clinic": RUN_CLINIC,
    "staff accounts": STAFF_ACCOUNTS,
    "take payments": TAKE_PAYMENTS,
    "credit notes and refunds": CREDIT_NOTES,
    "takings": TAKINGS,
    "own takings": OWN_TAKINGS,
    "cash-up": CASH_UP,
    "payment policies": PAYMENT_POLICIES,
    "card fees": CARD_FEES,
    "cancellation terms": CANCELLATION_TERMS,
    "packages": PACKAGES,
    "package types and refunds": PACKAGE_TYPES,
    "gift vouchers": GIFT_VOUCHERS,
    "gift voucher terms": VOUCHER_TERMS,
    "texts": TEXTS,
    "text settings": TEXT_SETTINGS,
    "message wording": MESSAGE_WORDING,
}

ROLE_CAPABILITIES: dict[str, tuple[str, ...]] = {
    RECEPTIONIST: (
        "front desk",
        "contact details",
        "waitlist",
        "recalls",
        "take payments",
        "cash-up",
        "card fees",
        "packages",
        "gift vouchers",
        "texts",
    ),
    PRACTITIONER: (
        "front desk",
        "contact details",
        "waitlist",
        "recalls",
        "own schedule",
        "clinical records",
        "own takings",
        "texts",
    ),
    MANAGER: (
        "front desk",
        "contact details",
        "waitlist",
        "recalls",
        "own schedule",
        "clinical records",
        "all clinical records",
        "run the clinic",
        "staff accounts",
        "take payments",
        "credit notes and refunds",
        "takings",
        "own takings",
        "cash-up",
        "payment policies",
        "card fees",
        "cancellation terms",
        "packages",
        "package types and refunds",
        "gift vouchers",
        "gift voucher terms",
        "texts",
        "text settings",
        "message wording",
    ),
}

ROLES: dict[str, list[str]] = {
    role: [code for name in names for code in CAPABILITIES[name].permissions]
    for role, names in ROLE_CAPABILITIES.items()
}


def may(user: "StaffUser | AnonymousUser", capability: Capability) -> bool:
    """Whether the user holds every permission of the capability that can be checked
    one by one (wildcards stand for a whole app: checked by one permission of it)."""
    checks = [code for code in capability.permissions if not code.endswith(".*")]
    checks += [
        f"{code[:-2]}.change_{_WILDCARD_PROBE[code[:-2]]}"
        for code in capability.permissions
        if code.endswith(".*")
    ]
    return user.has_perms(checks)


# The permission that stands for "all of this app" when checking a wildcard.
_WILDCARD_PROBE = {"clinic": "location", "booking": "bookingpolicy", "patients": "consentdocument"}


def capability_table() -> list[tuple[str, str, dict[str, bool]]]:
    """Rows of (capability, description, {role: has it}) for the README and the tests;
    superusers have every capability."""
    roles = [*ROLE_CAPABILITIES, SUPERUSER]
    return [
        (
            name,
            capability.description,
            {role: role == SUPERUSER or name in ROLE_CAPABILITIES[role] for role in roles},
        )
        for name, capability in CAPABILITIES.items()
    ]


def sync_roles(apps: StateApps, _schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create or update the role groups (for use in RunPython)."""
    # Permissions are normally made after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        # create_permissions skips apps without models; the stubs want a module here.
        app_config.models_module = True  # type: ignore[assignment]
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                found = found.filter(codename=codename)
            permissions.extend(found)
        group.permissions.set(permissions)
