"""Test data in one place: the clinic, its people, its appointments, waitlist and intakes.

Plain functions (docs/decisions/0011-test-factories.md): each makes one thing with the
defaults most tests want, takes everything else by keyword, and returns the saved row.
Appointments come two ways: `book` goes through `appointment_book` (locks, re-checks,
constraints, side effects), for tests that rely on what the service guarantees;
`appointment` writes the row directly, for tests that only need one to exist.
"""

import datetime as dt
import io
import secrets
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from PIL import ExifTags, Image

from billing.models import Invoice, Payment
from billing.services.invoices import LineInput, invoice_draft, invoice_issue
from billing.services.payments import Allocation, payment_take
from booking.models import (
    Appointment,
    AppointmentSource,
    BookingPolicy,
    Practitioner,
    PractitionerPhoto,
    Service,
    WaitlistEntry,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    WeeklyHours,
)
from booking.services.booking import appointment_book
from booking.services.photos import photo_clean, practitioner_photo_set
from clinic.middleware import SEEN_KEY, SIGNED_IN_KEY
from clinic.models import Location, Room
from clinic.roles import ROLES
from messaging.models import TextMessage
from patients import services as patient_services
from patients.clinical import episodes, notes, scores, visits
from patients.models import (
    ConsentDocument,
    Episode,
    Intake,
    NeedlingPoint,
    OutcomeScore,
    Patient,
    ScoreSource,
    Visit,
)
from patients.screening import ITEMS
from tests.patients.intake_posts import QUESTIONNAIRE

# A Monday in winter (GMT = UTC), so expected UTC times read like the wall clock.
MONDAY = dt.date(2027, 1, 11)
NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)  # one week before MONDAY

# Monday to Friday, 09:00-12:00 and 13:00-17:00 (a lunch break between).
WEEKDAYS = range(5)
SPLIT_SHIFT = ((dt.time(9), dt.time(12)), (dt.time(13), dt.time(17)))


def at(hour: int, minute: int = 0, *, day: dt.date = MONDAY) -> dt.datetime:
    """That wall-clock time on MONDAY (or `day`); in January London's clock is UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


# --- Places and services -------------------------------------------------------------------


def location(
    *,
    name: str = "Riverside",
    slug: str = "riverside",
    address: str = "1 River Street",
    time_zone: str = "Europe/London",
) -> Location:
    return Location.objects.create(name=name, slug=slug, address=address, time_zone=time_zone)


def room(*, location: Location, name: str) -> Room:
    return Room.objects.create(location=location, name=name)


def service(
    *,
    name: str,
    slug: str,
    duration_minutes: int = 30,
    buffer_after_minutes: int = 10,
    price: str = "50.00",
    **fields: Any,
) -> Service:
    return Service.objects.create(
        name=name,
        slug=slug,
        duration_minutes=duration_minutes,
        buffer_after_minutes=buffer_after_minutes,
        price=price,
        **fields,
    )


def practitioner(
    *,
    slug: str,
    first_name: str,
    location: Location,
    services: Iterable[Service],
    weekdays: Iterable[int] = WEEKDAYS,
    shifts: Sequence[tuple[dt.time, dt.time]] = SPLIT_SHIFT,
) -> Practitioner:
    """A practitioner with a staff account, offering `services` at `location`, working
    `shifts` on each of `weekdays`."""
    user = get_user_model().objects.create_user(
        username=slug, first_name=first_name, last_name="Practitioner", is_staff=True
    )
    made = Practitioner.objects.create(user=user, slug=slug, title="Physiotherapist")
    made.services.set(services)
    made.locations.add(location)
    WeeklyHours.objects.bulk_create(
        WeeklyHours(
            practitioner=made, location=location, weekday=weekday, start_time=start, end_time=end
        )
        for weekday in weekdays
        for start, end in shifts
    )
    return made


def image_bytes(
    *,
    size: tuple[int, int] = (600, 450),
    colour: str = "teal",
    image_format: str = "PNG",
    exif: Image.Exif | None = None,
) -> bytes:
    """An image file of one colour, as a camera or an editor would save it."""
    out = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, colour).save(out, image_format, **extra)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims `width` x `height` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def camera_exif() -> Image.Exif:
    """What a phone writes into a photo: its make and model, the time, where it was."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.DateTime] = "2026:11:20 08:15:00"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (53.0, 47.0, 44.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (1.0, 32.0, 51.0),
    }
    return exif


def practitioner_photo(
    practitioner: Practitioner, *, colour: str = "teal", confirmed_by: Any = None
) -> PractitionerPhoto:
    """A published photo of `practitioner`, cleaned as an upload is."""
    data = image_bytes(colour=colour)
    return practitioner_photo_set(
        practitioner=practitioner,
        photo=photo_clean(io.BytesIO(data), size=len(data)),
        confirmed_by=confirmed_by or practitioner.user,
        now=timezone.now(),
    )


@dataclass
class Clinic:
    location: Location
    rooms: list[Room]
    initial: Service
    follow_up: Service
    alice: Practitioner
    bob: Practitioner
    policy: BookingPolicy


def clinic() -> Clinic:
    """Riverside: two rooms, an initial assessment (60 min) and a follow-up (30 min, not a
    first visit), both with a 10-minute buffer; Alice and Bob offer both on a split shift."""
    riverside = location()
    initial = service(
        name="Initial assessment and dry needling",
        slug="initial",
        duration_minutes=60,
        price="75.00",
        allows_first_visit=True,
    )
    follow_up = service(name="Follow-up dry needling", slug="follow-up")
    both = [initial, follow_up]
    return Clinic(
        location=riverside,
        rooms=[room(location=riverside, name=f"Room {n}") for n in (1, 2)],
        initial=initial,
        follow_up=follow_up,
        alice=practitioner(slug="alice", first_name="Alice", location=riverside, services=both),
        bob=practitioner(slug="bob", first_name="Bob", location=riverside, services=both),
        policy=BookingPolicy.load(),
    )


# --- People --------------------------------------------------------------------------------


def patient(
    *,
    first_name: str = "Charlie",
    last_name: str = "Patient",
    email: str | None = None,
    phone: str = "+441134960000",
    date_of_birth: dt.date = dt.date(1980, 5, 17),
) -> Patient:
    return Patient.objects.create(
        first_name=first_name,
        last_name=last_name,
        email=email or f"{first_name.lower()}@example.com",
        phone=phone,
        date_of_birth=date_of_birth,
    )


def role_group(role: str) -> Group:
    group, created = Group.objects.get_or_create(name=role)
    if created:
        # A transactional test's flush removed the groups the data migration made.
        for code in ROLES[role]:
            app_label, codename = code.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                found = found.filter(codename=codename)
            group.permissions.add(*found)
    return group


def staff(*, username: str, role: str | None = None, password: str | None = None) -> Any:
    """A staff account, in `role` (one of clinic.roles) if given."""
    user = get_user_model().objects.create_user(
        username=username, password=password, first_name=username.title(), is_staff=True
    )
    if role:
        user.groups.add(role_group(role))
    return user


def passkey(*, user: Any, name: str = "") -> WebAuthnCredential:
    """A passkey as registration leaves it (the keys are random bytes: no test here signs
    with one, which needs a real authenticator)."""
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        credential_id=secrets.token_bytes(32),
        public_key=secrets.token_bytes(77),
        sign_count=0,
        aaguid="00000000-0000-0000-0000-000000000000",
    )


def in_role(user: Any, role: str) -> Any:
    """Put an existing account (a practitioner's) into a role."""
    user.groups.add(role_group(role))
    return user


def signed_in(client: Client, user: Any) -> Client:
    """Sign `client` in as `user` with both factors, as at the staff sign-in: the password
    (force_login) and a code from the authenticator app (a confirmed TOTP device)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": "Test app"}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SIGNED_IN_KEY] = session[SEEN_KEY] = timezone.now().timestamp()
    session.save()
    return client


# --- Appointments --------------------------------------------------------------------------


def book(
    clinic: Clinic,
    patient: Patient,
    start: dt.datetime,
    /,
    *,
    practitioner: Practitioner | Literal["alice"] | None = "alice",
    service: Service | None = None,
    source: str = AppointmentSource.FRONT_DESK,
    now: dt.datetime = NOW,
    **options: Any,
) -> Appointment:
    """Book through `appointment_book`, as the front desk unless told: Alice unless told
    (None lets the service choose anyone), the initial assessment unless told. The other
    options (status, room, override_hours, hold_token, patient_cap...) pass through."""
    return appointment_book(
        patient=patient,
        service=service or clinic.initial,
        location=clinic.location,
        start=start,
        practitioner=clinic.alice if practitioner == "alice" else practitioner,
        source=source,
        now=now,
        **options,
    )


def appointment(
    clinic: Clinic,
    patient: Patient,
    start: dt.datetime,
    /,
    *,
    practitioner: Practitioner | None = None,
    service: Service | None = None,
    room: Room | None = None,
    source: str = AppointmentSource.ONLINE,
    save: bool = True,
    **fields: Any,
) -> Appointment:
    """An appointment row written directly (no booking rules; the database's constraints
    still hold): Alice, the initial assessment and room 1 unless told, its end and buffer
    from the service. `save=False` leaves it unsaved, for bulk_create or a constraint test."""
    service = service or clinic.initial
    end = start + dt.timedelta(minutes=service.duration_minutes)
    row = Appointment(
        patient=patient,
        practitioner=practitioner or clinic.alice,
        service=service,
        location=clinic.location,
        room=room or clinic.rooms[0],
        start=start,
        end=end,
        occupied_until=end + dt.timedelta(minutes=service.buffer_after_minutes),
        source=source,
        **fields,
    )
    if save:
        row.save()
    return row


def webhook(*, url: str, events: Sequence[str] = WebhookEvent.values) -> Webhook:
    """A receiver saved as is, without the address checks made on save (the delivery
    checks again, which is what such tests are about)."""
    return Webhook.objects.create(
        name="Accounts", url=url, events=list(events), secret="shared-secret"
    )


def webhook_delivery(*, webhook: Webhook, at: dt.datetime = NOW) -> WebhookDelivery:
    payload = {"event": WebhookEvent.APPOINTMENT_CREATED.value, "appointment": {}}
    return WebhookDelivery.objects.create(
        webhook=webhook, event=WebhookEvent.APPOINTMENT_CREATED, payload=payload, created_at=at
    )


def waitlist_entry(
    *,
    patient: Patient,
    service: Service,
    earliest_date: dt.date = MONDAY,
    latest_date: dt.date = MONDAY,
    source: str = AppointmentSource.ONLINE,
    **fields: Any,
) -> WaitlistEntry:
    """A waitlist row written directly; `booking.services.waitlist.waitlist_add` is the
    validated path, tested on its own."""
    return WaitlistEntry.objects.create(
        patient=patient,
        service=service,
        earliest_date=earliest_date,
        latest_date=latest_date,
        source=source,
        **fields,
    )


# --- Intakes -------------------------------------------------------------------------------


def submitted_intake(patient: Patient, /, *yes: str, at: dt.datetime = NOW) -> Intake:
    """An intake filled in and signed through the patient services, answering yes to the
    screening items named in `yes` and no to the rest."""
    intake = patient_services.intake_open(patient=patient)
    patient_services.intake_save_details(intake=intake, fields={"address": "x"}, now=at)
    fields = {k: v for k, v in QUESTIONNAIRE.items() if not k.startswith(("psfs_", "pain_"))}
    fields |= {"pain_regions": ["neck"], "pain_duration": "6w3m", "pain_now": 4}
    patient_services.intake_save_questionnaire(intake=intake, fields=fields, now=at)
    answers = {item.code: item.code in yes for item in ITEMS}
    patient_services.intake_save_screening(intake=intake, answers=answers)
    patient_services.intake_sign_consent(
        intake=intake,
        document=ConsentDocument.objects.get(is_active=True),
        typed_name=patient.full_name,
        ip_address="192.0.2.1",
        user_agent="pytest",
        now=at,
    )
    intake.refresh_from_db()
    return intake


# --- Clinical records ----------------------------------------------------------------------

# The re-check with nothing changed since the last visit.
NO_CHANGE = {item.code: False for item in ITEMS}
# 08:00 UTC on Mondays from 2026-09-07, one session a week: all before NOW.
FIRST_SESSION = dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC)


def past_session(
    clinic: Clinic,
    patient: Patient,
    n: int,
    /,
    *,
    practitioner: Practitioner | None = None,
    status: str = "completed",
    room: int = 0,
) -> Appointment:
    """The n-th weekly follow-up (0-based) from FIRST_SESSION, written as a row: the
    booking service refuses the past."""
    return appointment(
        clinic,
        patient,
        FIRST_SESSION + dt.timedelta(weeks=n),
        practitioner=practitioner,
        service=clinic.follow_up,
        room=clinic.rooms[room],
        source=AppointmentSource.FRONT_DESK,
        status=status,
    )


def needling_row(**overrides: Any) -> dict[str, Any]:
    """One row of a needling log, as the note service takes it."""
    row = {
        "point": NeedlingPoint.objects.get(name="Upper trapezius"),
        "side": "right",
        "needle_count": 2,
        "needle_length_mm": 30,
        "needle_gauge_mm": Decimal("0.25"),
        "technique": "pistoning",
        "twitch_response": True,
        "lot_number": "LOT-A1",
    }
    return row | overrides


def signed_visit(
    clinic: Clinic,
    patient: Patient,
    n: int,
    /,
    *,
    lot: str = "LOT-A1",
    practitioner: Practitioner | None = None,
) -> Visit:
    """A completed session with its re-check (nothing changed), a signed note ("Session
    n", plan "Continue") and one needling row with needles from `lot`."""
    session = past_session(clinic, patient, n, practitioner=practitioner)
    author = (practitioner or clinic.alice).user
    visit = visits.recheck_record(
        appointment=session, answers=NO_CHANGE, by=author, now=session.start
    )
    note = notes.note_save_draft(
        visit=visit,
        author=author,
        fields={"subjective": f"Session {n}", "plan": "Continue"},
        needling=[needling_row(lot_number=lot)],
    )
    notes.note_sign(note=note, by=author, now=session.end)
    return Visit.objects.get(pk=visit.pk)


def episode(
    patient: Patient,
    /,
    *yes: str,
    at: dt.datetime = FIRST_SESSION - dt.timedelta(days=3),
    user: Any = None,
) -> Episode:
    """An episode started from a submitted intake (pain now 4: the NPRS baseline),
    answering yes to the screening items in `yes`."""
    intake = submitted_intake(patient, *yes, at=at)
    return episodes.episode_start(patient=patient, intake=intake, practitioner=user, now=at)


def nprs_score(episode: Episode, value: int, *, at: dt.datetime) -> OutcomeScore:
    """A pain score taken at the desk."""
    measure = scores.instrument("nprs")
    assert measure is not None
    return scores.score_record(
        episode=episode, instrument=measure, value=Decimal(value), source=ScoreSource.DESK, now=at
    )


def scored_course(
    session: Appointment, /, *values: int, discharged: dt.datetime | None = None
) -> Episode:
    """An episode around one past session: an NPRS baseline (the first value) the day
    before, the other values after the session (its visit opened), discharged at
    `discharged` if given. What the manager's report counts towards the MCID."""
    before = session.start - dt.timedelta(days=1)
    started = episodes.episode_start(
        patient=session.patient, intake=None, practitioner=None, now=before
    )
    nprs_score(started, values[0], at=before)
    episodes.visit_open(appointment=session, now=session.start)
    for value in values[1:]:
        nprs_score(started, value, at=session.end)
    if discharged is not None:
        episodes.episode_discharge(episode=started, advice="", now=discharged)
    return started


# --- Billing -------------------------------------------------------------------------------


def clerk() -> Any:
    """The account billing factories act as (made once per test)."""
    user, _ = get_user_model().objects.get_or_create(
        username="till", defaults={"first_name": "Till", "is_staff": True}
    )
    return user


def invoice(
    patient: Patient,
    /,
    *prices: str,
    issued: bool = True,
    by: Any = None,
    now: dt.datetime = NOW,
    **fields: Any,
) -> Invoice:
    """An invoice through the services: one VAT-exempt line per price ("60.00"), issued
    unless told; other fields (payer, due_on, notes...) pass to invoice_draft."""
    by = by or clerk()
    lines = [
        LineInput(description=f"Session {n}", unit_price=Decimal(price))
        for n, price in enumerate(prices or ("60.00",), start=1)
    ]
    draft = invoice_draft(patient=patient, lines=lines, created_by=by, **fields)
    return invoice_issue(invoice=draft, issued_by=by, now=now) if issued else draft


def payment(
    patient: Patient,
    amount: str,
    /,
    *paid: tuple[Invoice, str],
    method: str = "card",
    by: Any = None,
    now: dt.datetime = NOW,
) -> Payment:
    """A desk payment through payment_take, put against (invoice, amount) pairs."""
    return payment_take(
        patient=patient,
        method=method,
        amount=Decimal(amount),
        allocations=[Allocation(invoice_id=inv.pk, amount=Decimal(part)) for inv, part in paid],
        taken_by=by or clerk(),
        now=now,
    )


def session_invoice(
    patient: Patient,
    /,
    *sessions: tuple[Appointment | None, str],
    by: Any = None,
    now: dt.datetime = NOW,
    nominal_code: str = "",
) -> Invoice:
    """An issued invoice of one VAT-exempt line per (appointment or None, price)."""
    by = by or clerk()
    lines = [
        LineInput(
            description=f"Session {n}",
            unit_price=Decimal(price),
            appointment=session,
            nominal_code=nominal_code,
        )
        for n, (session, price) in enumerate(sessions, start=1)
    ]
    draft = invoice_draft(patient=patient, lines=lines, created_by=by)
    return invoice_issue(invoice=draft, issued_by=by, now=now)


def sent_text(
    patient: Patient,
    /,
    *,
    appointment: Appointment | None = None,
    to: str | None = None,
    kind: str = "reminder",
    state: str = "sent",
    body: str = "Riverside: see you Mon 11 Jan, 10:00. Reply C to confirm, X to cancel.",
) -> TextMessage:
    """A text as the channel leaves it once sent, to the patient's number unless told."""
    return TextMessage.objects.create(
        patient=patient,
        appointment=appointment,
        kind=kind,
        to=to or str(patient.phone),
        body=body,
        state=state,
        send_after=timezone.now(),
        provider_id=f"SM{secrets.token_hex(16)}",
    )
