"""Every page against every kind of visitor, generated: the URL resolver gives the staff
and public pages, the admin registry every changelist and change view, so a page added
anywhere joins this matrix by itself.

What each visitor should get follows from rules, not from a list of pages:
- a page in a staff namespace (or any view that declares permissions through
  clinic.access.staff_required) needs a full sign-in, then every permission it declares;
- an admin changelist or change page needs the view or change permission of its model, and
  posting a change needs the change permission, unless the model is read-only by design;
- roles have the permissions of the capability table in clinic/roles.py;
- a few explicit exceptions, each with its reason (EXCEPTIONS below).
The outcome is compared as a class: "sign-in" (sent to sign in), "second factor" (sent to
the code page), "forbidden" (403), "allowed" (anything else below 500). 405 on the wrong
method is accepted for every visitor: it reveals nothing.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from billing.gateways import stripe as gateway
from billing.models import PackageType
from billing.selectors.cards import current_terms
from billing.services.cards import card_on_file_record
from billing.services.credit_notes import credit_note_issue
from billing.services.fees import fee_propose
from billing.services.packages import package_sell
from booking.models import ClinicClosure, SlotHold, TimeOff, WaitlistEntry
from clinic import roles
from clinic.models import Page, RateLimitHit, RecoveryCodes
from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from patients.clinical.events import adverse_event_record
from patients.models import AccessVia, IntakeReview, PatientAccessLog, ReviewOutcome
from tests import factories
from tests.factories import MONDAY, NOW, at, book, submitted_intake

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
VERIFY = reverse("two_factor:verify")
VISITORS = [
    "anonymous",
    "password_only",
    "no_role",
    "receptionist",
    "practitioner",
    "manager",
    "superuser",
]
ROLE_OF = {"receptionist": RECEPTIONIST, "practitioner": PRACTITIONER, "manager": MANAGER}

# Namespaces whose every page is a staff page (a new page there must declare permissions).
STAFF_NAMESPACES = {"staff", "patients_staff", "account", "billing_staff", "messaging_staff"}
# Pages outside those rules: signing in and out (signing out would also end the session
# the rest of the matrix runs in), and the passkey ceremonies, JSON steps of the sign-in
# that answer an error to anyone not at that step (tests/clinic/test_passkeys.py).
SIGN_IN_PAGES = {
    "login",
    "logout",
    "two_factor:verify",
    "two_factor:setup",
    "booking:portal_sign_out",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
}
# Public webhooks only the provider may post to: a post without its signature is refused
# (403), the same for every visitor, saying nothing about any patient.
SIGNED_WEBHOOKS = {"messaging:text_inbound", "messaging:text_status"}
# Models whose admin shows records of what happened and never changes them.
READ_ONLY_ADMIN = {
    "patients.intake",
    "patients.screeningresult",
    "patients.consentsignature",
    "patients.intakereview",
    "patients.patientaccesslog",
    "patients.breakglassaccess",
    "clinic.ratelimithit",
    "booking.slothold",
    "patients.visit",
    "patients.adverseevent",
    "patients.outcomescore",
    "patients.checkin",
    "patients.followupsurvey",
    "booking.recall",
    # Second factors: listed, never added, changed or removed there (only by the reset).
    "otp_totp.totpdevice",
    "clinic.recoverycodes",
    "django_otp_webauthn.webauthncredential",
    "billing.invoice",
    "billing.creditnote",
    "billing.payment",
    "billing.refund",
    "billing.documentsequence",
    "billing.cashup",
    "billing.bookingcheckout",
    "billing.feeproposal",
    "billing.savedcard",
    "billing.cardsetup",
    "billing.package",
    "billing.giftvoucher",
}
# (visitor, model, method): outcome, where an object rule overrides the permission rule.
EXCEPTIONS = {
    # A practitioner opens their own practitioner page to edit their own hours there.
    ("practitioner", "booking.practitioner", "post"): "allowed",
}


def _all_permissions() -> dict[str, set[str]]:
    by_app: dict[str, set[str]] = {}
    for app_label, codename in Permission.objects.values_list(
        "content_type__app_label", "codename"
    ):
        by_app.setdefault(app_label, set()).add(f"{app_label}.{codename}")
    return by_app


def permissions_of(visitor: str) -> set[str] | None:
    """The permissions the capability table gives the visitor (None: all, a superuser)."""
    if visitor == "superuser":
        return None
    if visitor not in ROLE_OF:
        return set()
    by_app = _all_permissions()
    granted: set[str] = set()
    for code in roles.ROLES[ROLE_OF[visitor]]:
        app_label, codename = code.split(".")
        granted |= by_app.get(app_label, set()) if codename == "*" else {code}
    return granted


def holds(visitor: str, needed: set[str]) -> bool:
    granted = permissions_of(visitor)
    return granted is None or needed <= granted


# --- The pages, from the resolver and the admin registry ---------------------------------


@dataclass(frozen=True)
class SitePage:
    name: str
    route: str
    view: object
    namespaces: tuple[str, ...]


def walk(patterns, route: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[SitePage]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from walk(pattern.url_patterns, route + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = ":".join((*namespaces, pattern.name))
            yield SitePage(name, route + str(pattern.pattern), pattern.callback, namespaces)


def site_pages() -> list[SitePage]:
    """Every named page but the admin's (those come from the admin registry)."""
    return [page for page in walk(get_resolver().url_patterns) if "admin" not in page.namespaces]


def required_permissions(page: SitePage) -> frozenset[str] | None:
    return getattr(page.view, "required_permissions", None)


def is_staff_page(page: SitePage) -> bool:
    return bool(STAFF_NAMESPACES & set(page.namespaces)) or required_permissions(page) is not None


def admin_models() -> list[type[Model]]:
    return sorted(admin.site._registry, key=lambda model: model._meta.label_lower)


# --- The data the pages are opened with ----------------------------------------------------


@pytest.fixture
def world(clinic, patient):
    """One of each thing the pages show, owned where it matters by alice, the practitioner
    under test, and the examples URL arguments take by name."""
    appointment = book(clinic, patient, at(10))
    entry = WaitlistEntry.objects.create(
        patient=patient,
        service=clinic.follow_up,
        earliest_date=MONDAY,
        latest_date=MONDAY,
        source="front_desk",
    )
    intake = submitted_intake(patient)
    reviewer = factories.staff(username="rev")
    IntakeReview.objects.create(
        intake=intake, reviewer=reviewer, outcome=ReviewOutcome.CLEARED, note="Fine."
    )
    PatientAccessLog.objects.create(
        user=reviewer, patient=patient, record="patient", via=AccessVia.STAFF
    )
    TimeOff.objects.create(
        practitioner=clinic.alice, starts_at=at(9, day=MONDAY), ends_at=at(17, day=MONDAY)
    )
    ClinicClosure.objects.create(starts_at=at(9), ends_at=at(17), reason="Matrix")
    Page.objects.get_or_create(slug="matrix", defaults={"title": "Matrix"})
    RateLimitHit.objects.create(key="x" * 64, created_at=at(9))
    SlotHold.objects.create(
        token="matrix",
        practitioner=clinic.alice,
        room=clinic.rooms[0],
        start=at(15),
        occupied_until=at(16),
        expires_at=at(15),
    )
    # A clinical record of alice's: an episode, a signed note, an event to review.
    visit = factories.signed_visit(clinic, patient, 0)
    event = adverse_event_record(
        episode=visit.episode,
        visit=visit,
        type="fainting",
        severity="significant",
        description="Fainted",
        source="note",
        reported_by=clinic.alice.user,
        occurred_at=visit.appointment.start,
    )
    RecoveryCodes.objects.create(user=reviewer, name="Recovery codes")
    factories.passkey(user=reviewer, name="Key")
    # Money: an issued invoice paid in part, a draft with a line.
    invoice = factories.invoice(patient, "60.00")
    paid = factories.payment(patient, "20.00", (invoice, "20.00"))
    credit_note = credit_note_issue(
        invoice=invoice, reason="Goodwill", issued_by=reviewer, now=NOW, amount=Decimal("5.00")
    )
    draft = factories.invoice(patient, "10.00", issued=False)
    package_kind = PackageType.objects.create(
        name="6 follow-ups", sessions=6, price=Decimal("250.00"), validity=6
    )
    package_kind.services.set([clinic.follow_up])
    package = package_sell(patient=patient, package_type=package_kind, sold_by=reviewer, now=NOW)
    TOTPDevice.objects.create(user=reviewer, name="Phone", confirmed=True)
    # A card on file and a no-show fee waiting for the desk (their pages and admins).
    card_on_file_record(
        patient=patient,
        card=gateway.SavedCard("cus_matrix", "pm_matrix", "visa", "4242", 12, 2030),
        terms=current_terms(),
        now=NOW,
    )
    missed = factories.appointment(
        clinic, patient, at(9, day=MONDAY - dt.timedelta(days=14)), status="no_show"
    )
    fee = fee_propose(appointment=missed, now=NOW)
    examples = {
        "location_slug": clinic.location.slug,
        "practitioner_id": clinic.alice.pk,
        "reference": appointment.reference,
        "pk": patient.pk,
        "intake_id": intake.pk,
        "slug": "about-dry-needling",
        "service_slug": clinic.initial.slug,
        "token": "not-a-token",
    }
    # Where `pk` names something other than a patient.
    by_page = {"staff:waitlist_status": {"pk": entry.pk}}
    for name in ("episode", "score_new", "event_new", "discharge", "discharge_summary"):
        by_page[f"patients_staff:{name}"] = {"pk": visit.episode.pk}
    by_page["patients_staff:event_close"] = {"pk": event.pk}
    for name in (
        "invoice",
        "invoice_edit",
        "line_add",
        "credit_note_new",
        "pay_link_send",
        "invoice_pdf",
    ):
        by_page[f"billing_staff:{name}"] = {"pk": invoice.pk}
    by_page["billing_staff:invoice_email"] = {"pk": invoice.pk}
    # The fee's decisions are posted with nothing (a waive without its reason is refused).
    by_page["billing_staff:fee_waive"] = {"pk": fee.pk}
    by_page["billing_staff:receipt_pdf"] = {"pk": paid.pk}
    by_page["billing_staff:credit_note_pdf"] = {"pk": credit_note.pk}
    by_page["billing_staff:package_refund"] = {"pk": package.pk}
    by_page["billing_portal:package_buy"] = {"pk": package_kind.pk}
    for name in ("invoice_issue", "invoice_discard"):
        by_page[f"billing_staff:{name}"] = {"pk": draft.pk}
    for name in ("line_update", "line_remove"):
        by_page[f"billing_staff:{name}"] = {"pk": draft.lines.get().pk}
    for name in ("visit", "visit_recheck", "visit_clear", "note_save", "note_sign", "note_amend"):
        by_page[f"patients_staff:{name}"] = {"reference": visit.appointment.reference}
    # The admin's example object per model: a colleague's account, not a superuser's.
    instances = {"auth.user": reviewer}
    return examples, by_page, instances


def url_of(page: SitePage, examples: dict, by_page: dict) -> str:
    """The page's URL with example arguments; an argument nobody named gets a value that
    finds nothing (a permitted visitor then sees 404, which still proves the check)."""
    from django.urls.resolvers import RoutePattern

    pattern = RoutePattern(page.route)
    values = {}
    for name, converter in pattern.converters.items():
        value = by_page.get(page.name, {}).get(name, examples.get(name))
        if value is None:
            value = 999_999 if converter.regex == "[0-9]+" else "nothing"
        values[name] = converter.to_url(value)
    return reverse(page.name, kwargs=values)


def client_for(visitor: str, clinic) -> Client:
    client = Client()
    user_model = get_user_model()
    if visitor == "password_only":
        client.force_login(factories.staff(username="paula", role=MANAGER))  # no second factor yet
    elif visitor == "no_role":
        factories.signed_in(client, factories.staff(username="nora"))
    elif visitor == "practitioner":
        factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    elif visitor in ROLE_OF:
        factories.signed_in(client, factories.staff(username=visitor, role=ROLE_OF[visitor]))
    elif visitor == "superuser":
        factories.signed_in(client, user_model.objects.create_superuser("root", "root@example.com"))
    return client


def outcome(response) -> str:
    assert response.status_code < 500, response.status_code
    if response.status_code == 302:
        if response.url.startswith((LOGIN, ADMIN_LOGIN)):
            return "sign-in"
        if response.url.startswith(VERIFY):
            return "second factor"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 405:
        return "method not allowed"
    return "allowed"


def expected_for_staff_page(visitor: str, page: SitePage) -> str:
    if visitor == "anonymous":
        return "sign-in"
    if visitor == "password_only":
        return "second factor"
    return "allowed" if holds(visitor, set(required_permissions(page) or ())) else "forbidden"


def expected_for_admin(visitor: str, model: type[Model], method: str) -> str:
    if visitor in ("anonymous", "password_only"):
        return "sign-in"  # the admin's sign-in is the staff one, second factor included
    label = model._meta.label_lower
    if (visitor, label, method) in EXCEPTIONS:
        return EXCEPTIONS[(visitor, label, method)]
    app_label, name = label.split(".")
    view, change = f"{app_label}.view_{name}", f"{app_label}.change_{name}"
    if method == "get":
        return "allowed" if holds(visitor, {view}) or holds(visitor, {change}) else "forbidden"
    if label in READ_ONLY_ADMIN:
        return "forbidden"
    return "allowed" if holds(visitor, {change}) else "forbidden"


# --- The matrix ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC), tick=False)


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_site_page(visitor, clinic, world):
    examples, by_page, _ = world
    client = client_for(visitor, clinic)
    wrong = []
    for page in site_pages():
        if page.name in SIGN_IN_PAGES:
            continue
        url = url_of(page, examples, by_page)
        for method in ("get", "post"):
            got = outcome(getattr(client, method)(url))
            if got == "method not allowed":
                continue
            # Public pages: nobody is asked to sign in, or refused.
            public = not is_staff_page(page)
            expected = "allowed" if public else expected_for_staff_page(visitor, page)
            if page.name in SIGNED_WEBHOOKS and method == "post":
                expected = "forbidden"
            if got != expected:
                wrong.append((page.name, method, expected, got))
    assert not wrong, wrong


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_admin_changelist_and_change_page(visitor, clinic, world):
    _, _, instances = world
    client = client_for(visitor, clinic)
    wrong = []
    for model in admin_models():
        opts = model._meta
        instance = instances.get(opts.label_lower) or model._default_manager.order_by("pk").first()
        urls = {
            "changelist": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            "change": reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[instance.pk if instance else 0],
            ),
        }
        checks = [("changelist", "get"), ("change", "get"), ("change", "post")]
        for view, method in checks:
            got = outcome(getattr(client, method)(urls[view]))
            # With no row to open, the admin answers a post as it does a visit.
            expected = expected_for_admin(visitor, model, method if instance else "get")
            if got != expected:
                wrong.append((opts.label_lower, view, method, expected, got))
    assert not wrong, wrong


def test_staff_pages_declare_their_permissions():
    """A page in a staff namespace without staff_required would be open to anyone signed
    in, or to everyone: each must declare what it needs (nothing beyond both factors, for
    the pages about one's own account)."""
    undeclared = [
        p.name for p in site_pages() if is_staff_page(p) and required_permissions(p) is None
    ]
    assert not undeclared


def test_the_matrix_covers_the_pages_that_matter():
    """The generated lists hold what the clinic relies on (guards against a walk that
    silently finds nothing)."""
    names = {page.name for page in site_pages()}
    assert {"staff:day", "patients_staff:intake", "patients_staff:access_log"} <= names
    labels = {model._meta.label_lower for model in admin_models()}
    assert {"patients.patient", "booking.appointment", "auth.user"} <= labels
    # Every second factor's admin is in the matrix; django-otp's recovery codes in clear
    # (otp_static) have none.
    assert {
        "otp_totp.totpdevice",
        "clinic.recoverycodes",
        "django_otp_webauthn.webauthncredential",
    } <= labels
    assert "account:passkeys" in names
    assert "otp_static.staticdevice" not in labels


# Written out by hand, so a wrong capability table cannot make its own expectations.
SPOT_CHECKS = [
    ("receptionist", "patients_staff:intakes", "forbidden"),
    ("receptionist", "patients_staff:access_log", "forbidden"),
    ("receptionist", "staff:day", "allowed"),
    ("practitioner", "patients_staff:intakes", "allowed"),
    ("practitioner", "patients_staff:access_log", "forbidden"),
    ("manager", "patients_staff:access_log", "allowed"),
    ("no_role", "staff:day", "forbidden"),
    # The clinical record: the treating practitioner and the manager, never the front desk;
    # a recall search across patients is the manager's.
    ("receptionist", "patients_staff:episode", "forbidden"),
    ("receptionist", "patients_staff:visit", "forbidden"),
    ("receptionist", "patients_staff:adverse_events", "forbidden"),
    ("practitioner", "patients_staff:episode", "allowed"),
    ("practitioner", "patients_staff:visit", "allowed"),
    ("practitioner", "patients_staff:lot_search", "forbidden"),
    ("manager", "patients_staff:lot_search", "allowed"),
    ("manager", "patients_staff:discharge_summary", "allowed"),
    # Money: the front desk invoices and takes payments; credit notes and refunds are the
    # manager's; practitioners see no patient's account.
    ("receptionist", "billing_staff:account", "allowed"),
    ("receptionist", "billing_staff:invoice", "allowed"),
    ("receptionist", "billing_staff:payment_new", "allowed"),
    ("receptionist", "billing_staff:credit_note_new", "forbidden"),
    ("receptionist", "billing_staff:refund_new", "forbidden"),
    ("practitioner", "billing_staff:account", "forbidden"),
    ("practitioner", "billing_staff:invoice", "forbidden"),
    ("manager", "billing_staff:credit_note_new", "allowed"),
    ("manager", "billing_staff:refund_new", "allowed"),
    # Online: the desk emails payment links (POST only; tests/billing/views/
    # test_online_staff.py); refunds to the card are the manager's.
    ("practitioner", "billing_staff:pay_link_send", "forbidden"),
    ("receptionist", "billing_staff:refund_online_new", "forbidden"),
    ("manager", "billing_staff:refund_online_new", "allowed"),
    # Documents: the desk downloads what it may see; a practitioner none of them.
    ("receptionist", "billing_staff:invoice_pdf", "allowed"),
    ("receptionist", "billing_staff:receipt_pdf", "allowed"),
    ("receptionist", "billing_staff:credit_note_pdf", "allowed"),
    ("practitioner", "billing_staff:invoice_pdf", "forbidden"),
    ("practitioner", "billing_staff:receipt_pdf", "forbidden"),
    ("practitioner", "billing_staff:credit_note_pdf", "forbidden"),
    # Cancellation fees: the desk decides them; practitioners do not see them.
    ("receptionist", "billing_staff:fees", "allowed"),
    ("manager", "billing_staff:fees", "allowed"),
    ("practitioner", "billing_staff:fees", "forbidden"),
    ("no_role", "billing_staff:fees", "forbidden"),
    # Packages: the desk sells them and pays a session by a credit (POST only: the
    # generated matrix posts); refunding unused credits is the manager's (a credit note);
    # a practitioner does neither.
    ("receptionist", "billing_staff:package_refund", "forbidden"),
    ("practitioner", "billing_staff:package_sell", "forbidden"),
    ("practitioner", "billing_staff:package_use", "forbidden"),
    ("manager", "billing_staff:package_refund", "allowed"),
    # Gift vouchers: the front desk and the manager sell and spend them; a practitioner
    # sees none (the voucher page names its buyer).
    ("receptionist", "billing_staff:vouchers", "allowed"),
    ("receptionist", "billing_staff:voucher_new", "allowed"),
    ("receptionist", "billing_staff:voucher", "allowed"),
    ("manager", "billing_staff:vouchers", "allowed"),
    ("practitioner", "billing_staff:vouchers", "forbidden"),
    ("practitioner", "billing_staff:voucher", "forbidden"),
    ("practitioner", "billing_staff:voucher_apply", "forbidden"),
    ("receptionist", "billing_staff:voucher_new_buyer", "allowed"),
    ("practitioner", "billing_staff:voucher_new_buyer", "forbidden"),
    # The report of money held and owed (deposits, fees, packages, vouchers): the manager's,
    # as the takings are.
    ("manager", "billing_staff:money_held", "allowed"),
    ("receptionist", "billing_staff:money_held", "forbidden"),
    ("practitioner", "billing_staff:money_held", "forbidden"),
    # Patients' text replies: the front desk's inbox, open to whoever may cover the desk.
    ("receptionist", "messaging_staff:replies", "allowed"),
    ("practitioner", "messaging_staff:replies", "allowed"),
    ("manager", "messaging_staff:replies", "allowed"),
    ("no_role", "messaging_staff:replies", "forbidden"),
    ("receptionist", "messaging_staff:patient_texts", "allowed"),
]


@pytest.mark.parametrize(("visitor", "name", "expected"), SPOT_CHECKS)
def test_spot_checks(visitor, name, expected, clinic, world):
    examples, by_page, _ = world
    page = next(p for p in site_pages() if p.name == name)
    assert outcome(client_for(visitor, clinic).get(url_of(page, examples, by_page))) == expected


def test_it_refuses_get_on_state_changes(clinic, world):
    examples, by_page, _ = world
    client = client_for("receptionist", clinic)
    for name in ("staff:appointment_status", "staff:appointment_cancel", "staff:waitlist_status"):
        page = next(p for p in site_pages() if p.name == name)
        assert client.get(url_of(page, examples, by_page)).status_code == 405, name


def test_it_requires_csrf_on_state_changes(clinic, world):
    examples, by_page, _ = world
    client = Client(enforce_csrf_checks=True)
    factories.signed_in(client, factories.staff(username="rita", role=RECEPTIONIST))
    for name in ("staff:appointment_status", "staff:appointment_cancel", "staff:book"):
        page = next(p for p in site_pages() if p.name == name)
        assert client.post(url_of(page, examples, by_page)).status_code == 403, name


@pytest.mark.parametrize("visitor", VISITORS)
def test_no_one_adds_or_deletes_a_second_factor_in_the_admin(visitor, clinic, world):
    """Every device admin in the registry (django-otp's, ours, a passkey library's), found
    by its model being a django-otp Device: adding and deleting are refused to every
    visitor, the superuser included; the guarded reset is the only way to remove one."""
    client = client_for(visitor, clinic)
    devices = [model for model in admin_models() if issubclass(model, Device)]
    assert len(devices) >= 3
    wrong = []
    for model in devices:
        opts = model._meta
        instance = model._default_manager.order_by("pk").first()
        assert instance is not None, opts.label_lower
        add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[instance.pk])
        expected = "sign-in" if visitor in ("anonymous", "password_only") else "forbidden"
        tries = {
            "add": client.get(add),
            "add, posted": client.post(add),
            "delete": client.get(delete),
            "delete, confirmed": client.post(delete, {"post": "yes"}),
        }
        for view, response in tries.items():
            if (got := outcome(response)) != expected:
                wrong.append((opts.label_lower, view, expected, got))
        if not model._default_manager.filter(pk=instance.pk).exists():
            wrong.append((opts.label_lower, "deleted"))
    assert not wrong, wrong


def test_app_models_are_all_in_the_admin_or_inline():
    """Every model of the clinic's apps is reached through the admin registry (or inside
    its parent's page, or as change history), so the matrix sees it."""
    inline = {
        "room",
        "pagesection",
        "weeklyhours",
        "extrahours",
        "needlingentry",
        "noteamendment",
        "webhookattempt",
        "practitionerphoto",  # uploaded and removed on the practitioner's page
        "invoiceline",
        "creditnoteline",
        "paymentallocation",
        "cashupline",
        "packageuse",  # on its package's page
        "voucherredemption",
    }
    for app_label in ("clinic", "booking", "patients", "billing"):
        for model in apps.get_app_config(app_label).get_models():
            name = model._meta.model_name
            assert (
                admin.site.is_registered(model)
                or name in inline
                or name.startswith("historical")
                or not model._meta.default_permissions  # bookkeeping no one edits
            ), model


CLINICAL_POSTS = (
    "patients_staff:episode_start",
    "patients_staff:score_new",
    "patients_staff:event_new",
    "patients_staff:discharge",
    "patients_staff:visit_recheck",
    "patients_staff:visit_clear",
    "patients_staff:note_save",
    "patients_staff:note_sign",
    "patients_staff:note_amend",
    "patients_staff:event_close",
)


def test_clinical_state_changes_are_post_only_with_csrf(clinic, world):
    examples, by_page, _ = world
    client = client_for("practitioner", clinic)
    strict = Client(enforce_csrf_checks=True)
    factories.signed_in(strict, clinic.alice.user)
    for name in CLINICAL_POSTS:
        page = next(p for p in site_pages() if p.name == name)
        url = url_of(page, examples, by_page)
        assert client.get(url).status_code == 405, name
        assert strict.post(url).status_code == 403, name
