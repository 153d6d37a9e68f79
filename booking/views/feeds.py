"""Practitioners' calendar feeds: the private iCalendar URL (no sign-in; the token is the
key) and the staff page where a practitioner makes, rotates or revokes it."""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from booking import links
from booking.models import BookingPolicy, CalendarFeed, Practitioner
from booking.notify.ics import practitioner_feed_ics
from booking.selectors.feeds import feed_appointments, feed_etag, live_feed
from booking.services.feeds import feed_create, feed_revoke
from clinic.access import staff_required, staff_user


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = live_feed(token)
    if found is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    names = BookingPolicy.load().feed_patient_names
    etag = feed_etag(found, now=now, names=names)
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        related = ["service", "location", "room"] + (["patient"] if names else [])
        appointments = list(feed_appointments(found, now=now).select_related(*related))
        body = practitioner_feed_ics(found.practitioner.name, appointments, names=names)
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _practitioner_for_user(request: HttpRequest) -> Practitioner:
    practitioner = Practitioner.objects.filter(user=staff_user(request)).first()
    if practitioner is None:
        raise Http404("Calendar feeds are for practitioners.")
    return practitioner


@staff_required("booking.view_appointment")
@require_http_methods(["GET", "POST"])
def my_feed(request: HttpRequest) -> HttpResponse:
    """A new URL is shown once, on the page that made it: only its hash is kept."""
    practitioner = _practitioner_for_user(request)
    new_url = ""
    if request.method == "POST":
        now = timezone.now()
        if request.POST.get("action") == "revoke":
            feed_revoke(practitioner=practitioner, now=now)
        else:
            _, token = feed_create(practitioner=practitioner, now=now)
            new_url = links.absolute(reverse("booking:calendar_feed", args=[token]))
    live = CalendarFeed.objects.filter(practitioner=practitioner, revoked_at__isnull=True).first()
    names = BookingPolicy.load().feed_patient_names
    context = {"practitioner": practitioner, "live": live, "new_url": new_url, "names": names}
    return render(request, "staff/booking/my_feed.html", context)
