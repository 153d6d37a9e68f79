import datetime as dt
import importlib
from collections import defaultdict
from io import StringIO
from itertools import pairwise

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from booking.management.demo_followups import COHORT
from booking.models import (
    Appointment,
    AppointmentStatus,
    ClinicClosure,
    Practitioner,
    PractitionerPhoto,
    Service,
    TimeOff,
    WeeklyHours,
)
from clinic.models import Location, Page, PageSection, Room
from patients.models import Patient

# A Wednesday mid-morning. The seeded weeks run to the end of March, across the change to
# British Summer Time on 28 March 2027.
NOW = dt.datetime(2027, 3, 10, 10, 20, tzinfo=dt.UTC)
PASSWORD = "demo-pass-for-tests"
FOLLOW_UP_COHORT = [f"{first}.{last}@example.com".lower() for first, last, _, _ in COHORT]

BENEFITS = [
    "Pain relief",
    "Improved range of motion",
    "Faster recovery and rehabilitation",
    "Non-invasive and safe",
]


def run_demo(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("demo_clinic", "--force", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [Location, Room, Service, Practitioner, WeeklyHours, TimeOff, ClinicClosure]
    models += [Patient, Appointment, get_user_model()]
    return {model.__name__: model.objects.count() for model in models}


def overlaps(key: str) -> list[tuple[Appointment, Appointment]]:
    """Pairs of active appointments that hold the same practitioner or room at once."""
    held = defaultdict(list)
    for appointment in Appointment.objects.active().order_by("start"):
        held[getattr(appointment, key)].append(appointment)
    return [
        (earlier, later)
        for appointments in held.values()
        for earlier, later in pairwise(appointments)
        if later.start < earlier.occupied_until
    ]


@pytest.mark.django_db
def test_it_loads_the_demo_clinic():
    run_demo("--password", PASSWORD)

    assert Location.objects.filter(time_zone="Europe/London").count() == 2
    assert Room.objects.count() == 4
    assert set(Service.objects.values_list("duration_minutes", flat=True)) == {30, 45, 60}
    assert Service.objects.get(allows_first_visit=True).duration_minutes == 60
    assert Practitioner.objects.filter(user__is_staff=True).count() == 3
    assert TimeOff.objects.count() == 3
    assert ClinicClosure.objects.count() == 1
    # The recall and follow-up patients were seen months ago (demo_followups.py).
    calendar = Appointment.objects.exclude(patient__email__in=FOLLOW_UP_COHORT)
    past = calendar.filter(end__lte=NOW)
    future = calendar.filter(start__gt=NOW)
    assert past.filter(status=AppointmentStatus.COMPLETED).count() >= 10
    assert future.filter(status=AppointmentStatus.CONFIRMED).count() >= 10
    assert not past.exclude(status__in=[AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW])
    assert not Appointment.objects.filter(start__lt=NOW, end__gt=NOW)
    window = (NOW - dt.timedelta(days=22), NOW + dt.timedelta(days=22))
    assert not calendar.exclude(start__range=window)


@pytest.mark.django_db
def test_it_books_no_overlapping_sessions():
    run_demo()

    assert Appointment.objects.active().count() >= 20
    assert overlaps("practitioner_id") == []
    assert overlaps("room_id") == []


@pytest.mark.django_db
def test_it_books_only_inside_working_hours():
    run_demo()

    for appointment in Appointment.objects.select_related("location"):
        start = appointment.start.astimezone(appointment.location.zone)
        end = appointment.end.astimezone(appointment.location.zone)
        assert start.date() == end.date()
        assert WeeklyHours.objects.filter(
            practitioner=appointment.practitioner_id,
            location=appointment.location,
            weekday=start.weekday(),
            start_time__lte=start.time(),
            end_time__gte=end.time(),
        ).exists(), appointment
        assert not TimeOff.objects.filter(
            practitioner=appointment.practitioner_id,
            starts_at__lt=appointment.end,
            ends_at__gt=appointment.start,
        ).exists(), appointment


@pytest.mark.django_db
def test_it_starts_every_course_with_an_initial_assessment():
    run_demo()

    for patient in Patient.objects.filter(appointments__isnull=False).distinct():
        first = patient.appointments.order_by("start").first()
        assert first.service.allows_first_visit, patient


@pytest.mark.django_db
def test_it_prints_the_staff_logins_it_created():
    output = run_demo("--password", PASSWORD)

    assert "username: manager" in output
    assert f"password: {PASSWORD}" in output
    manager = get_user_model().objects.get(username="manager")
    assert manager.is_superuser
    assert manager.check_password(PASSWORD)
    for practitioner in Practitioner.objects.select_related("user"):
        assert f"username: {practitioner.user.username}" in output
        assert practitioner.user.check_password(PASSWORD)


@pytest.mark.django_db
def test_it_makes_up_a_password_when_none_is_given():
    output = run_demo()

    password = output.split("password: ")[1].split()[0]
    assert len(password) >= 12
    assert get_user_model().objects.get(username="manager").check_password(password)


@pytest.mark.django_db
def test_it_changes_nothing_when_run_twice():
    run_demo("--password", PASSWORD)
    before = counts()
    references = set(Appointment.objects.values_list("reference", "start", "status"))

    output = run_demo("--password", "another-password")

    assert counts() == before
    assert set(Appointment.objects.values_list("reference", "start", "status")) == references
    assert before["Location"] == 2
    assert before["Room"] == 4
    assert before["Service"] == 3
    assert before["Practitioner"] == 3
    assert "passwords are unchanged" in output
    assert "another-password" not in output
    assert get_user_model().objects.get(username="manager").check_password(PASSWORD)


@pytest.mark.django_db
def test_it_keeps_what_staff_edited():
    run_demo()
    Service.objects.filter(slug="follow-up").update(price="55.00")

    run_demo()

    assert str(Service.objects.get(slug="follow-up").price) == "55.00"


@pytest.mark.django_db
def test_one_practitioner_has_a_drawn_photo_and_the_others_their_initials():
    run_demo()
    photo = PractitionerPhoto.objects.select_related("practitioner", "consent_confirmed_by").get()

    run_demo()  # again: the same photo, not a second one nor a new digest

    assert PractitionerPhoto.objects.get().digest == photo.digest
    assert photo.practitioner.slug == "amira-patel"
    assert photo.content_type == "image/webp"
    assert photo.consent_confirmed_by.username == "manager"


@pytest.mark.django_db
def test_it_has_the_public_pages_from_the_migration():
    home = Page.objects.get(slug="home")
    about = Page.objects.get(slug="about-dry-needling")

    assert home.is_published
    assert about.is_published
    assert home.sections.count() >= 2
    headings = list(about.sections.values_list("heading", flat=True))
    assert [heading for heading in headings if heading in BENEFITS] == BENEFITS
    assert headings[-1] == "Take the next step"
    text = " ".join(about.sections.values_list("body", flat=True)).lower()
    for taught in ["trigger point", "twitch", "endorphins", "pneumothorax", "sterile"]:
        assert taught in text
    for condition in ["fibromyalgia", "sciatica", "frozen shoulder", "tendonitis"]:
        assert condition in text


@pytest.mark.django_db
def test_it_migrates_the_pages_forward_and_back_safely():
    migration = importlib.import_module("clinic.migrations.0002_public_pages")
    sections = PageSection.objects.count()

    migration.create_pages(apps, None)  # again: the pages exist, nothing is added
    assert Page.objects.filter(slug__in=["home", "about-dry-needling"]).count() == 2
    assert PageSection.objects.count() == sections

    migration.delete_pages(apps, None)
    assert not Page.objects.filter(slug__in=["home", "about-dry-needling"]).exists()
    assert not PageSection.objects.filter(page__slug__in=["home", "about-dry-needling"]).exists()


@pytest.mark.django_db
def test_it_includes_clinical_records_with_a_chart_at_once():
    from django.test import Client
    from django.urls import reverse

    from patients.clinical.reads import patient_episodes
    from patients.models import AdverseEvent, Episode, NoteAmendment
    from tests import factories

    run_demo("--password", PASSWORD)
    run_demo("--password", PASSWORD)  # again: no second set of records

    # Besides the recall and follow-up patients (tests/clinic/test_demo_followups.py).
    episodes = list(
        Episode.objects.exclude(patient__email__in=FOLLOW_UP_COHORT).select_related("patient")
    )
    assert len(episodes) == 4
    for episode in episodes:
        signed = episode.visits.filter(note__signed_at__isnull=False).count()
        assert signed >= 3, episode
        progress = patient_episodes(episode.patient)[0].progress
        assert progress
        assert all(series.change.meaningful for series in progress)
    assert NoteAmendment.objects.exists()
    assert AdverseEvent.objects.filter(severity="mild").exists()

    episode = episodes[0]
    practitioner = episode.practitioners.first()
    client = Client()
    factories.signed_in(client, practitioner)
    page = client.get(reverse("patients_staff:episode", args=[episode.pk])).content.decode()
    assert "<svg" in page
    assert "Meaningful improvement reached" in page
    assert "Amendment" in page


@pytest.mark.django_db
def test_it_includes_invoices_in_every_state():
    from decimal import Decimal

    from billing.models import CreditNote, Invoice, Payment
    from billing.selectors import InvoiceBalance, MoneyState, patient_credit, with_balances

    run_demo("--password", PASSWORD)
    run_demo("--password", PASSWORD)  # again: no second set of invoices

    sessions = Invoice.objects.filter(gift_voucher__isnull=True)
    states = [InvoiceBalance.of(i).state for i in with_balances(sessions)]
    assert set(states) == set(MoneyState)
    assert len(states) == 11  # one of them a package's sale (billing.demo.seed_packages)
    assert CreditNote.objects.count() == 1
    assert Invoice.objects.filter(payer__name="Bupa", authorisation_number="PA-20931").exists()
    assert (
        Payment.objects.filter(allocations__isnull=False)
        .annotate(n=Count("allocations"))
        .filter(n=2)
        .count()
        == 2
    )  # across two invoices
    credits = [patient_credit(p.pk) for p in Patient.objects.all()]
    assert Decimal("25.00") in credits


@pytest.mark.django_db
def test_it_prints_a_gift_voucher_code_a_visitor_can_spend():
    from decimal import Decimal

    from billing.models import GiftVoucher
    from billing.services.vouchers import voucher_usable

    out = run_demo("--password", PASSWORD)
    run_demo("--password", PASSWORD)  # again: no second set of vouchers
    (line,) = [line for line in out.splitlines() if line.startswith("A demo gift voucher code")]
    code = line.rsplit(" ", 1)[-1]
    with time_machine.travel(NOW, tick=False):
        _, balance = voucher_usable(code=code, now=NOW)
    assert balance == Decimal("100.00")
    assert GiftVoucher.objects.count() == 2


@pytest.mark.django_db
def test_it_prints_a_payment_link_of_an_unpaid_invoice(client, settings):
    from billing.links import invoice_id_from_pay_token
    from billing.models import Invoice
    from billing.selectors import MoneyState, invoice_balance

    settings.CLINIC_ONLINE_PAYMENTS = True
    out = run_demo("--password", PASSWORD)
    (line,) = [line for line in out.splitlines() if line.startswith("Pay a demo invoice online")]
    path = "/" + line.rsplit(" ", 1)[-1].split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200
    assert "Pay by card" in page.text
    invoice = Invoice.objects.get(pk=invoice_id_from_pay_token(path.split("/")[2]))
    assert invoice_balance(invoice).state == MoneyState.UNPAID


@pytest.mark.django_db
def test_it_prints_no_payment_link_when_online_payments_are_off(settings):
    settings.CLINIC_ONLINE_PAYMENTS = False
    assert "Pay a demo invoice online" not in run_demo("--password", PASSWORD)


@pytest.mark.django_db
def test_it_sells_a_package_and_uses_part_of_it():
    from billing.demo import PACKAGE_NAME
    from billing.models import Package, PackageType
    from billing.selectors.packages import package_balance

    run_demo("--password", PASSWORD)

    kind = PackageType.objects.get(name=PACKAGE_NAME)
    assert (kind.sessions, kind.validity, kind.is_public) == (6, 6, True)
    package = Package.objects.get(type=kind)
    balance = package_balance(package, now=NOW)
    assert balance.paid
    assert 0 < balance.used < 6
    run_demo("--password", PASSWORD)
    assert Package.objects.count() == 1


@pytest.mark.django_db
def test_it_has_a_patient_who_prefers_texts_and_has_replied():
    from messaging.models import InboundText
    from messaging.selectors import opted_out, text_consent

    output = run_demo("--password", PASSWORD)

    patient = Patient.objects.get(inbound_texts__action="confirmed")
    assert patient.preferred_contact == "sms"
    assert f"{patient.full_name} prefers texts" in output
    replies = InboundText.objects.order_by("received_at")
    actions = [(r.action, r.patient) for r in replies]
    assert actions == [
        ("confirmed", patient),
        ("stop", patient),
        ("start", patient),
        ("for_desk", patient),
        ("for_desk", None),
    ]
    assert replies[0].appointment.patient_confirmed_at is not None
    assert [row.source for row in text_consent(patient).history] == ["reply", "reply", "intake"]
    assert not opted_out(patient)
    run_demo("--password", PASSWORD)
    assert InboundText.objects.count() == 5


@pytest.mark.django_db
def test_it_has_texts_in_each_state_and_the_emails_beside_them():
    from messaging.models import EmailRecord, TextMessage

    run_demo("--password", PASSWORD)

    niamh = Patient.objects.get(first_name="Niamh", last_name="Byrne")
    assert niamh.preferred_contact == "sms"
    states = set(TextMessage.objects.filter(patient=niamh).values_list("state", flat=True))
    assert states == {"delivered", "sent", "failed"}
    assert EmailRecord.objects.filter(patient=niamh).count() == 4
    landline = TextMessage.objects.get(state="not_sent")
    assert landline.reason == "landline: texts need a mobile number"
