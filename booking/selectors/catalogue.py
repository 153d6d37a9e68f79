"""What the public can book, and where."""

from dataclasses import dataclass

from django.db import models
from django.db.models import F, QuerySet

from booking.models import BookingPolicy, Practitioner, Service
from clinic.models import Location


def bookable_services() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True, is_online_bookable=True)


def bookable_locations(service: Service) -> QuerySet[Location]:
    return Location.objects.filter(
        is_active=True, practitioners__services=service, practitioners__is_active=True
    ).distinct()


@dataclass(frozen=True)
class Offer:
    """A bookable service at an active location, with whom, under which policy."""

    service: Service
    location: Location
    team: list[Practitioner]  # the active practitioners who offer it there, by name
    policy: BookingPolicy


def _columns(model: type[models.Model], path: str, prefix: str) -> dict[str, F]:
    return {f"{prefix}{f.attname}": F(f"{path}__{f.attname}") for f in model._meta.concrete_fields}


def _instance[M: models.Model](model: type[M], row: Practitioner, prefix: str) -> M:
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db("default", names, [getattr(row, f"{prefix}{n}") for n in names])


def bookable_offer(*, service_slug: str, location_slug: str) -> Offer | None:
    """What every booking page looks up first, in one query: the team offering the
    service at the location, each row carrying the service's, the location's and the
    policy's columns. None if the service or the location is not bookable, or nobody
    offers one at the other."""
    policy_fields = [f.attname for f in BookingPolicy._meta.concrete_fields]
    policy = BookingPolicy.objects.filter(pk=1)
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
            **{f"offer_policy_{name}": Subquery(policy.values(name)) for name in policy_fields},
        )
    )
    if not team:
        return None
    first = team[0]
    return Offer(
        service=_instance(Service, first, "offer_service_"),
        location=_instance(Location, first, "offer_location_"),
        team=team,
        # The policy row is made on first use; until then, load() makes it.
        policy=_instance(BookingPolicy, first, "offer_policy_")
        if getattr(first, "offer_policy_id", None) is not None
        else BookingPolicy.load(),
    )
