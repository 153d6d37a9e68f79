"""What the public can book, and where."""

from booking.models import Service
from clinic.models import Location


def bookable_services():
    return Service.objects.filter(is_active=True, is_online_bookable=True)


def bookable_locations(service: Service):
    return Location.objects.filter(
        is_active=True, practitioners__services=service, practitioners__is_active=True
    ).distinct()
