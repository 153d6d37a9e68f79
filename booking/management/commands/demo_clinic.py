"""Load a demo clinic: two locations, their rooms, the services, three practitioners with
their weeks, staff logins, demo patients and a few weeks of appointments around today.

Running it again creates no duplicates and overwrites no field staff may have edited.
"""

import datetime as dt
import random
import secrets
import zoneinfo
from typing import TYPE_CHECKING, Any, TypedDict, override

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from booking.management.demo_photo import add_demo_photo
from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    ClinicClosure,
    Practitioner,
    Service,
    TimeOff,
    WeeklyHours,
)
from booking.scheduling import availability
from booking.scheduling.rules import booking_rules
from booking.scheduling.schedule import load_schedule, local_day_bounds
from booking.services.booking import appointment_book
from booking.services.placement import BookingError
from clinic import roles
from clinic.models import Location, Room
from patients.demo import seed_clinical_records
from patients.models import Patient
from patients.services import patient_find_or_create

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User

ZONE = zoneinfo.ZoneInfo("Europe/London")
SEED = 2027
WINDOW = dt.timedelta(days=21)  # appointments from three weeks back to three weeks ahead

LOCATIONS = {  # slug: (name, address, phone); 0113 496 0xxx is reserved for drama use
    "riverside": ("Riverside", "12 Riverside Walk\nLeeds\nLS1 4DL", "0113 496 0101"),
    "northgate": ("Northgate", "3 Northgate Parade\nLeeds\nLS7 2QX", "0113 496 0202"),
}
DIRECTIONS = {
    "riverside": "Ground floor, blue door beside the bakery. Step-free entrance. Five minutes' "
    "walk from Leeds station; pay-and-display parking on Riverside Walk.",
    "northgate": "First floor above the pharmacy, lift on the left. Buses 2 and 3 stop outside; "
    "free parking behind the parade.",
}
# fmt: off
SERVICES = [  # slug, name, minutes, price, may be a first visit, description
    ("initial-assessment", "Initial assessment + dry needling", 60, "75.00", True,
     "Your first visit: history, health screening, consent and a first treatment."),
    ("follow-up", "Follow-up dry needling", 30, "50.00", False,
     "A treatment session for patients who have had their initial assessment."),
    ("needling-manual-therapy", "Dry needling + manual therapy", 45, "65.00", False,
     "Dry needling combined with hands-on mobilisation and soft tissue work."),
]
# fmt: on
MORNING, AFTERNOON = (dt.time(8, 30), dt.time(12, 30)), (dt.time(13, 30), dt.time(17, 30))
SATURDAY = 5  # a morning clinic only


class DemoPractitioner(TypedDict):
    username: str
    first_name: str
    last_name: str
    title: str
    credentials: str
    bio: str
    days: dict[int, str]  # weekday: location slug
    time_off: tuple[int, int, str]  # starts in so many days, lasts so many days, reason


PRACTITIONERS: list[DemoPractitioner] = [
    {
        "username": "amira",
        "first_name": "Amira",
        "last_name": "Patel",
        "title": "Physiotherapist",
        "credentials": "MSc, MCSP",
        "bio": "Amira treats long-standing neck, back and shoulder pain.",
        "days": {0: "riverside", 1: "riverside", 3: "northgate", 4: "northgate", 5: "riverside"},
        "time_off": (14, 3, "Annual leave"),  # starts in so many days, lasts so many days
    },
    {
        "username": "ben",
        "first_name": "Ben",
        "last_name": "Okafor",
        "title": "Sports physiotherapist",
        "credentials": "BSc (Hons), MCSP",
        "bio": "Ben works with runners and team sports players recovering from injury.",
        "days": {0: "northgate", 1: "northgate", 2: "riverside", 3: "riverside"},
        "time_off": (8, 1, "Training course"),
    },
    {
        "username": "claire",
        "first_name": "Claire",
        "last_name": "Dunn",
        "title": "Osteopath",
        "credentials": "MOst, registered with the GOsC",
        "bio": "Claire helps people with arthritis and joint stiffness keep moving.",
        "days": {0: "riverside", 2: "northgate", 4: "riverside"},
        "time_off": (19, 2, "Annual leave"),
    },
]
# fmt: off
# Phones: 0113 496 0xxx is Ofcom's range for drama, so no real person is ever called. The
# drama mobile range (07700 900xxx) fails the phone field's validation, so it cannot be used.
PATIENTS = [
    ("Charlie", "Moss", "1984-03-12"), ("Dana", "Whitfield", "1971-08-30"),
    ("Elliot", "Carver", "1990-11-02"), ("Farah", "Hussain", "1966-05-19"),
    ("George", "Bell", "1958-01-27"), ("Hannah", "Lowe", "1979-09-14"),
    ("Isaac", "Reid", "1995-06-08"), ("Joanna", "Price", "1962-12-03"),
    ("Kofi", "Mensah", "1987-04-21"), ("Lucy", "Ward", "1973-07-16"),
    ("Mohammed", "Aziz", "1969-10-05"), ("Niamh", "Byrne", "1992-02-29"),
    ("Oliver", "Grant", "1955-08-11"), ("Priya", "Shah", "1981-01-23"),
]
# fmt: on


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=ZONE)


# Staff who are not practitioners: username, role, first and last name.
FRONT_OFFICE = [
    ("manager", roles.MANAGER, "Morgan", "Manager"),
    ("reception", roles.RECEPTIONIST, "Robin", "Reception"),
]


def staff_user(
    username: str, *, password: str, role: str, superuser: bool = False, **names: str
) -> "tuple[User, bool]":
    """The staff user with this username in `role`, created with `password` if new."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        create = User.objects.create_superuser if superuser else User.objects.create_user
        email = f"{username}@example.com"
        user = create(username=username, email=email, password=password, is_staff=True, **names)
    user.groups.add(Group.objects.get(name=role))
    # The demo needs no phone: each login has an authenticator already set up, whose
    # current code `manage.py totp_code <username>` prints (in debug only). A live clinic's
    # staff set up their own app at their first sign-in.
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
    return user, created


def setup_clinic() -> tuple[dict[str, Location], list[Service]]:
    locations = {}
    for slug, (name, address, phone) in LOCATIONS.items():
        locations[slug], _ = Location.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "address": address, "phone": phone, "time_zone": ZONE.key},
        )
        if not locations[slug].directions:
            locations[slug].directions = DIRECTIONS[slug]
            locations[slug].save(update_fields=["directions"])
        for room in ("Room 1", "Room 2"):
            Room.objects.get_or_create(location=locations[slug], name=room)
    services = []
    for order, (slug, name, minutes, price, first, description) in enumerate(SERVICES):
        service, _ = Service.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "duration_minutes": minutes,
                "buffer_after_minutes": 10,
                "price": price,
                "allows_first_visit": first,
                "description": description,
                "display_order": order,
            },
        )
        services.append(service)
    return locations, services


def setup_practitioner(
    data: DemoPractitioner,
    *,
    locations: dict[str, Location],
    services: list[Service],
    password: str,
    today: dt.date,
) -> tuple[Practitioner, bool]:
    user, created = staff_user(
        data["username"],
        password=password,
        role=roles.PRACTITIONER,
        first_name=data["first_name"],
        last_name=data["last_name"],
    )
    practitioner, _ = Practitioner.objects.get_or_create(
        slug=f"{data['first_name']}-{data['last_name']}".lower(),
        defaults={
            "user": user,
            "title": data["title"],
            "credentials": data["credentials"],
            "bio": data["bio"],
        },
    )
    practitioner.services.add(*services)
    practitioner.locations.add(*{locations[slug] for slug in data["days"].values()})
    for weekday, slug in data["days"].items():
        for start, end in [MORNING] if weekday == SATURDAY else [MORNING, AFTERNOON]:
            WeeklyHours.objects.get_or_create(
                practitioner=practitioner,
                location=locations[slug],
                weekday=weekday,
                start_time=start,
                defaults={"end_time": end},
            )
    in_days, length, reason = data["time_off"]
    first_day = today + dt.timedelta(days=in_days)
    TimeOff.objects.get_or_create(
        practitioner=practitioner,
        reason=reason,
        defaults={
            "starts_at": local_midnight(first_day),
            "ends_at": local_midnight(first_day + dt.timedelta(days=length)),
        },
    )
    return practitioner, created


def add_christmas_closure(today: dt.date) -> None:
    christmas = dt.date(today.year, 12, 25)
    if christmas < today:
        christmas = dt.date(today.year + 1, 12, 25)
    ClinicClosure.objects.get_or_create(
        location=None,
        reason="Christmas bank holidays",
        starts_at=local_midnight(christmas),
        defaults={"ends_at": local_midnight(christmas + dt.timedelta(days=2))},
    )


def demo_patients() -> list[Patient]:
    return [
        patient_find_or_create(
            first_name=first,
            last_name=last,
            email=f"{first}.{last}@example.com".lower(),
            phone=f"+441134960{500 + number:03d}",
            date_of_birth=dt.date.fromisoformat(born),
        )
        for number, (first, last, born) in enumerate(PATIENTS)
    ]


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
        self.report(booked=booked, created=created, password=password)

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
