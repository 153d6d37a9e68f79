"""Each location's schedule version: what the booking pages cache their reads against.

Every write that can change what a location's booking pages show gives the location a
new version token in the same transaction (``booking.signals`` connects the writes; see
decision 0031). A page reads the tokens first and its data after, so data cached under
the current tokens can never be older than the last committed write.

Two tokens: ``setup`` for what staff edit (hours, time off, closures, rooms, the team,
services, the policy), ``bookings`` for appointments and holds. A booking leaves what
the pages read of the setup in the cache; only its appointments are read again.
"""

import uuid
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection, models
from django.db.models import Q

from booking.models.practitioners import Practitioner
from clinic.models import Location, Room


class ScheduleVersion(models.Model):
    location = models.OneToOneField(
        Location, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    setup = models.UUIDField(default=uuid.uuid4, editable=False)
    bookings = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        # Written only by bump_schedule_versions; nothing to see or edit in the admin.
        default_permissions = ()

    def __str__(self) -> str:
        return f"Schedule version of location {self.location_id}"


def bump_schedule_versions(
    *,
    location_ids: Iterable[int | None] = (),
    practitioner_ids: Iterable[int | None] = (),
    room_ids: Iterable[int | None] = (),
) -> None:
    """A new version for these locations, these rooms' locations and every location where
    these practitioners work (a booking anywhere takes a practitioner's time everywhere):
    one UPDATE."""
    locations, practitioners, rooms = (
        {pk for pk in ids if pk is not None} for ids in (location_ids, practitioner_ids, room_ids)
    )
    where_they_work = Practitioner.locations.through.objects.filter(
        practitioner_id__in=practitioners
    ).values("location_id")
    where_they_are = Room.objects.filter(pk__in=rooms).values("location_id")
    ScheduleVersion.objects.filter(
        Q(location_id__in=locations)
        | Q(location_id__in=where_they_work)
        | Q(location_id__in=where_they_are)
    ).update(bookings=uuid.uuid4())


def bump_every_schedule_version() -> None:
    """A new setup version for every location: for a change to services, practitioners,
    rooms, hours, time off, closures or the policy (rare, staff-made), which may touch
    any of them."""
    ScheduleVersion.objects.update(setup=uuid.uuid4())


class Version(NamedTuple):
    location_id: int
    setup: str
    bookings: str


def schedule_version(location_slug: str) -> Version | None:
    """The location's id and current version tokens, or None if there is no such location
    (or, for a location made without its version row, nothing to cache against).

    Every booking page asks this first, so it is one plain statement, without the ORM's
    query compilation (which took longer than the query)."""
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL, [location_slug])
        row = cursor.fetchone()
    return None if row is None else Version(row[0], str(row[1]), str(row[2]))


VERSION_SQL = (
    f"SELECT v.location_id, v.setup, v.bookings FROM {ScheduleVersion._meta.db_table} v "
    f"JOIN {Location._meta.db_table} l ON l.id = v.location_id WHERE l.slug = %s"
)
