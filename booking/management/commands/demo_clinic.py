"""Load a demo clinic: two locations, their rooms, the services, three practitioners with
their weeks, staff logins, demo patients (``booking/management/demo_setup.py``) and a few
weeks of appointments around today (here).

Running it again creates no duplicates and overwrites no field staff may have edited.
"""

import datetime as dt
import random
import secrets
from typing import Any, override

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from billing.demo import (
    demo_voucher_code,
    seed_billing,
    seed_cards,
    seed_deposits,
    seed_packages,
    seed_vouchers,
    unpaid_pay_url,
)
from booking.management.demo_followups import seed_recalls_and_follow_ups
from booking.management.demo_photo import add_demo_photo
from booking.management.demo_setup import (
    FRONT_OFFICE,
    PRACTITIONERS,
    ZONE,
    add_christmas_closure,
    demo_patients,
    setup_clinic,
    setup_practitioner,
    staff_user,
)
from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    Practitioner,
    Service,
)
from booking.scheduling import availability
from booking.scheduling.rules import booking_rules
from booking.scheduling.schedule import load_schedule, local_day_bounds
from booking.services.booking import appointment_book
from booking.services.placement import BookingError
from clinic import roles
from clinic.models import Location
from messaging.demo import seed_texts
from messaging.demo_replies import seed_text_replies
from patients.demo import seed_clinical_records
from patients.models import Patient

SEED = 2027
WINDOW = dt.timedelta(days=21)  # appointments from three weeks back to three weeks ahead


def place(
    rng: random.Random,
    *,
    patient: Patient,
    service: Service,
    location: Location,
    day: dt.date,
    practitioner: Practitioner | None,
    now: dt.datetime,
    policy: BookingPolicy,
) -> Appointment | None:
    """One session on `day` at a free time, or None. Future sessions go through the booking
    service; past ones (which it refuses) are written directly into a slot the engine found
    free, so they cannot overlap either."""
    loaded = load_schedule(
        service=service,
        location=location,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner.pk if practitioner else None,
    )
    day_start, _ = local_day_bounds(day, day, location)
    rules = booking_rules(
        service=service, policy=policy, now=day_start, source=AppointmentSource.FRONT_DESK
    )
    slots = availability.free_slots(loaded.schedule, rules, day, day)
    slots = [slot for slot in slots if slot.end <= now or slot.start > now]  # none under way
    if not slots:
        return None
    slot = rng.choice(slots)
    chosen = loaded.practitioners[slot.practitioner_id]
    if slot.start > now:
        try:
            return appointment_book(
                patient=patient,
                service=service,
                location=location,
                start=slot.start,
                practitioner=chosen,
                source=AppointmentSource.FRONT_DESK,
                now=now,
                notify=False,  # invented patients: no confirmations, forms or reminders
            )
        except BookingError:
            return None
    missed = not service.allows_first_visit and rng.random() < 0.1
    appointment = Appointment(
        patient=patient,
        practitioner=chosen,
        service=service,
        location=location,
        room_id=slot.room_id,
        start=slot.start,
        end=slot.end,
        occupied_until=slot.end + rules.buffer,
        status=AppointmentStatus.NO_SHOW if missed else AppointmentStatus.COMPLETED,
        source=rng.choice(AppointmentSource.values),
    )
    appointment.full_clean(exclude={"patient", "practitioner", "service", "location", "room"})
    appointment.save()
    return appointment


def seed_course(
    rng: random.Random,
    *,
    patient: Patient,
    location: Location,
    services: list[Service],
    now: dt.datetime,
    policy: BookingPolicy,
) -> int:
    """A course of care: an initial assessment, then follow-ups 3 to 7 days apart with the
    same practitioner. Returns how many sessions were placed."""
    initial, follow_up, combined = services
    today = now.astimezone(ZONE).date()
    day = today + dt.timedelta(days=rng.randint(-WINDOW.days, WINDOW.days // 2))
    practitioner = None
    placed = 0
    for session in range(rng.randint(4, 6)):
        service = initial if session == 0 else rng.choice([follow_up, follow_up, combined])
        appointment = None
        while appointment is None and day <= today + WINDOW:
            appointment = place(
                rng,
                patient=patient,
                service=service,
                location=location,
                day=day,
                practitioner=practitioner,
                now=now,
                policy=policy,
            )
            day += dt.timedelta(days=1)
        if appointment is None:
            break
        placed += 1
        practitioner = appointment.practitioner
        day = appointment.start.astimezone(ZONE).date() + dt.timedelta(days=rng.choice([3, 7]))
    return placed


class Command(BaseCommand):
    help = "Load a demo clinic with staff logins, patients and appointments. Safe to rerun."

    @override
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="Password for new staff logins (default: random).")
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    @override
    def handle(
        self, *_args: Any, password: str | None = None, force: bool = False, **_options: Any
    ) -> None:
        # It makes a superuser and invented patients: never by accident on a live clinic.
        if not (settings.DEBUG or force):
            raise CommandError("demo_clinic is for development (DEBUG=true); --force overrides.")
        password = password or secrets.token_urlsafe(9)
        now = timezone.now()
        today = now.astimezone(ZONE).date()
        with transaction.atomic():
            policy = BookingPolicy.load()
            locations, services = setup_clinic()
            created = []
            front_office = {}
            for username, role, first_name, last_name in FRONT_OFFICE:
                front_office[username], user_created = staff_user(
                    username,
                    password=password,
                    role=role,
                    superuser=role == roles.MANAGER,
                    first_name=first_name,
                    last_name=last_name,
                )
                if user_created:
                    created.append(username)
            team = []
            for data in PRACTITIONERS:
                practitioner, user_created = setup_practitioner(
                    data, locations=locations, services=services, password=password, today=today
                )
                team.append(practitioner)
                if user_created:
                    created.append(data["username"])
            add_demo_photo(team[0], confirmed_by=front_office["manager"], now=now)
            add_christmas_closure(today)
            patients = demo_patients()
            if Appointment.objects.filter(patient__in=patients).exists():
                booked = None
            else:
                rng = random.Random(SEED)
                homes = list(locations.values())
                booked = sum(
                    seed_course(
                        rng,
                        patient=patient,
                        location=homes[number % len(homes)],
                        services=services,
                        now=now,
                        policy=policy,
                    )
                    for number, patient in enumerate(patients)
                )
            # Episodes, signed notes and scores for a few patients (patients/demo.py).
            seed_clinical_records(patients=patients, now=now)
            # A patient due a recall, one recalled, one declined; two discharged episodes
            # with follow-up answers at 6 weeks and 3 months (booking/management/
            # demo_followups.py).
            seed_recalls_and_follow_ups(practitioner=team[0], now=now)
            # Invoices in every state, payments and a credit (billing/demo.py).
            seed_billing(
                patients=patients,
                desk=front_office["reception"],
                manager=front_office["manager"],
                now=now,
            )
            # A no-show fee waiting at the desk, the patient's card saved on the local
            # Stripe when bin/run has it running (billing/demo.py).
            fee = seed_cards(patients=patients, now=now)
            # A deposit for new patients booking the initial assessment online.
            deposits = seed_deposits()
            # A package type on sale and a patient's package partly used.
            seed_packages(patients=patients, desk=front_office["reception"], now=now)
            # Gift vouchers, one with a known code to spend online (billing/demo.py).
            seed_vouchers(patients=patients, desk=front_office["reception"], now=now)
            # Niamh prefers texts: her texts in each state; Oliver chose texts but gave a
            # landline (messaging/demo.py).
            by_name = {p.first_name: p for p in patients}
            niamh, oliver = by_name["Niamh"], by_name["Oliver"]
            seed_texts(texter=niamh, landline=oliver, now=now)
            # Another patient's replies: a confirm, STOP then START, one for the desk; and
            # an unknown number (messaging/demo_replies.py).
            others = [p for p in patients if p not in (niamh, oliver)]
            texter = seed_text_replies(patients=others, now=now)
        self.report(booked=booked, created=created, password=password)
        if fee is not None:
            card = "on their saved card" if fee.patient.saved_cards.exists() else "by pay link"
            self.stdout.write(
                f"A no-show fee for {fee.patient.full_name} waits at the desk "
                f"(staff: Fees), to charge {card} or waive."
            )
        if settings.CLINIC_ONLINE_PAYMENTS and (pay_url := unpaid_pay_url(patients)):
            # bin/run starts the local Stripe beside the demo: pay with its test cards.
            self.stdout.write(f"Pay a demo invoice online (local Stripe, test cards): {pay_url}")
        if settings.CLINIC_ONLINE_PAYMENTS and deposits:
            self.stdout.write(f"{deposits} Pay it on the local Stripe with its test cards.")
        if texter is not None:
            self.stdout.write(
                f"{texter.full_name} prefers texts and has replied to a reminder; one reply "
                "waits for the desk (staff: the calendar's Text replies)."
            )
        self.stdout.write(
            "Niamh Byrne prefers texts: ask a portal sign-in link for niamh.byrne@example.com "
            "at /my/sign-in/ and the worker prints her email and her text here (TEXTER=console)."
        )
        if code := demo_voucher_code():
            self.stdout.write(f"A demo gift voucher code to use when booking online: {code}")

    def report(self, *, booked: int | None, created: list[str], password: str) -> None:
        self.stdout.write(self.style.SUCCESS("Demo clinic ready."))
        self.stdout.write(
            "Staff sign-in asks for a code after the password; the demo logins have an "
            "authenticator set up. Get its current code with:\n"
            "  DEBUG=true .venv/bin/python manage.py totp_code manager   (or any demo username)"
        )
        if booked is None:
            self.stdout.write("The demo patients already have appointments; none added.")
        else:
            self.stdout.write(f"Booked {booked} demo appointments.")
        if not created:
            self.stdout.write(
                "Staff logins already existed; their passwords are unchanged "
                "(python manage.py changepassword manager sets a new one)."
            )
            return
        self.stdout.write("Staff logins created (manager is a superuser; change the password):")
        for username in created:
            self.stdout.write(f"  username: {username:<8}  password: {password}")
