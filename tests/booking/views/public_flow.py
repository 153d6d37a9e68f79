"""The public booking form as a visitor fills it in: valid details and the details step."""

from django.urls import reverse

DETAILS = {
    "first_name": "Dana",
    "last_name": "Visitor",
    "email": "dana@example.com",
    "phone": "07400 123456",
    "date_of_birth": "1990-02-03",
}


def details_url(clinic, service=None):
    service = service or clinic.initial
    return reverse("booking:details", args=[service.slug, clinic.location.slug])


def choose(client, clinic, *, start="20270111T0900Z", practitioner="any", service=None, **details):
    """Post the details step; the session then holds a pending booking."""
    data = DETAILS | details | {"start": start, "practitioner": practitioner}
    return client.post(details_url(clinic, service), data)
