"""What the public can book, and where."""

from django.db.models import QuerySet

from booking.models import Service
from clinic.models import Location


def bookable_services() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True, is_online_bookable=True)


def bookable_locations(service: Service) -> QuerySet[Location]:
    return Location.objects.filter(
        is_active=True, practitioners__services=service, practitioners__is_active=True
    ).distinct()
