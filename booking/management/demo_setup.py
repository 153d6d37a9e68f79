"""The demo clinic's fixed part: its two locations and their rooms, the services, three
practitioners with their weeks, the front office's logins and the demo patients. Each
function is safe to run again: it creates what is missing and leaves staff edits alone.
"""

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, TypedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from booking.models import (
    ClinicClosure,
    Practitioner,
    Service,
    TimeOff,
    WeeklyHours,
)
from clinic import roles
from clinic.models import Location, Room
from patients.models import Patient
from patients.services import patient_find_or_create

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as User

ZONE = zoneinfo.ZoneInfo("Europe/London")

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
    registration_number: str  # invented: printed on the demo's invoices
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
        "registration_number": "HCPC PH900001",
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
        "registration_number": "HCPC PH900002",
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
        "registration_number": "GOsC 90003",
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
            "registration_number": data["registration_number"],
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
