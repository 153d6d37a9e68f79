"""What the public can book, and where."""

from dataclasses import dataclass, replace

from django.core.cache import caches
from django.db import models
from django.db.models import F, QuerySet

from booking.models import BookingPolicy, Practitioner, Service, Version, schedule_version
from clinic.models import Location


def bookable_services() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True, is_online_bookable=True)


def bookable_locations(service: Service) -> QuerySet[Location]:
    return Location.objects.filter(
        is_active=True, practitioners__services=service, practitioners__is_active=True
    ).distinct()


SLUG_LENGTH = Service._meta.get_field("slug").max_length or 0


@dataclass(frozen=True)
class Offer:
    """A bookable service at an active location, with whom, under which policy."""

    service: Service
    location: Location
    team: list[Practitioner]  # the active practitioners who offer it there, by name
    policy: BookingPolicy
    # The location's schedule version this was read under (None: not cacheable).
    version: Version | None = None


def _columns(model: type[models.Model], path: str, prefix: str) -> dict[str, F]:
    return {f"{prefix}{f.attname}": F(f"{path}__{f.attname}") for f in model._meta.concrete_fields}


def _instance[M: models.Model](model: type[M], row: Practitioner, prefix: str) -> M:
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db("default", names, [getattr(row, f"{prefix}{n}") for n in names])


def bookable_offer(*, service_slug: str, location_slug: str) -> Offer | None:
    """What every booking page looks up first: the location's schedule version, then the
    offer read under it, from the cache while the version holds (decision 0031): one
    query, or three on a miss. None if the service or the location is not bookable, or
    nobody offers one at the other."""
    if len(service_slug) > SLUG_LENGTH:
        return None  # no such service, and no key to make of it
    version = schedule_version(location_slug)
    if version is None:
        return _read_offer(service_slug=service_slug, location_slug=location_slug)
    cache = caches["schedule"]
    key = f"offer:{version.location_id}:{version.setup}:{service_slug}"
    if (cached := cache.get(key)) is None:
        cached = (_read_offer(service_slug=service_slug, location_slug=location_slug),)
        cache.set(key, cached)  # in a tuple, so that None is kept too
    offer = cached[0]
    # The version read now, not the one it was cached under: its bookings may be newer.
    return offer and replace(offer, version=version)


def _read_offer(*, service_slug: str, location_slug: str) -> Offer | None:
    """The offer in two queries: the team offering the service at the location, each row
    carrying the service's and the location's columns; and the policy.

    (The policy as scalar subqueries of the first query would save a round trip but cost
    more: compiling seven subqueries takes several times as long as a plain query.)"""
    team = list(
        Practitioner.objects.filter(
            is_active=True,
            services__slug=service_slug,
            services__is_active=True,
            services__is_online_bookable=True,
            locations__slug=location_slug,
            locations__is_active=True,
        )
        .select_related("user")
        .annotate(
            **_columns(Service, "services", "offer_service_"),
            **_columns(Location, "locations", "offer_location_"),
        )
    )
    if not team:
        return None
    first = team[0]
    return Offer(
        service=_instance(Service, first, "offer_service_"),
        location=_instance(Location, first, "offer_location_"),
        team=team,
        policy=BookingPolicy.load(),
    )
