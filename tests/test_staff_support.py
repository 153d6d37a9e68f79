"""Shared helpers for the staff-page tests (no tests here): staff users in their roles,
and appointments made through the booking service."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from booking.models import Appointment, AppointmentSource
from booking.services.booking import appointment_book
from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST, ROLES
from tests.conftest import MONDAY, NOW

__all__ = ["MANAGER", "MONDAY", "NOW", "PRACTITIONER", "RECEPTIONIST"]


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


def make_staff(username: str, role: str | None):
    user = get_user_model().objects.create_user(
        username=username, first_name=username.title(), is_staff=True
    )
    if role:
        user.groups.add(role_group(role))
    return user


def in_role(user, role: str):
    """Put an existing user (a practitioner's account) into a role."""
    user.groups.add(role_group(role))
    return user


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)  # GMT in January


def book(clinic, patient, start, practitioner=None, **kwargs) -> Appointment:
    return appointment_book(
        patient=patient,
        service=kwargs.pop("service", clinic.initial),
        location=clinic.location,
        start=start,
        practitioner=practitioner or clinic.alice,
        source=AppointmentSource.FRONT_DESK,
        now=kwargs.pop("now", NOW),
        **kwargs,
    )
