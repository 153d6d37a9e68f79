"""Public pages: services, practitioners, and the online booking flow.

The flow: service -> where and with whom -> day and time -> your details -> review ->
confirmed. Each step is a plain GET page or a POST that redirects, so it works with
JavaScript off. What the visitor has chosen so far lives in their session; everything
is validated again by the booking service when they confirm.
"""

import datetime as dt
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from booking.forms.public import (
    ANY,
    DayForm,
    MonthForm,
    PatientDetailsForm,
    PractitionerChoiceField,
    SlotForm,
    WaitlistRequestForm,
)
from booking.models import (
    AppointmentSource,
    BookingPolicy,
    Practitioner,
    Service,
    Version,
)
from booking.scheduling.availability import format_start
from booking.scheduling.rules import booking_rules
from booking.scheduling.times import Question, day_page, month_page
from booking.selectors.catalogue import Offer, bookable_locations, bookable_offer, bookable_services
from booking.selectors.team import shown_practitioners
from booking.services.holds import SESSION_KEY as HOLD_KEY
from booking.services.holds import TooManyHolds, hold_token_for, holds_time, slot_hold
from booking.services.placement import BookingError
from booking.services.waitlist import online_waitlist_join
from booking.views.portal import portal_patient
from clinic import ratelimit
from clinic.headers import client_ip
from clinic.models import Location
from patients.models import Patient

SESSION_KEY = "booking"


def services(request: HttpRequest) -> HttpResponse:
    return render(request, "booking/services.html", {"services": bookable_services()})


def practitioners(request: HttpRequest) -> HttpResponse:
    team = shown_practitioners().prefetch_related("services", "locations")
    return render(request, "booking/practitioners.html", {"practitioners": team})


def practitioner(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(
        shown_practitioners().prefetch_related("services", "locations"), slug=slug
    )
    return render(request, "booking/practitioner.html", {"practitioner": person})


def book(request: HttpRequest) -> HttpResponse:
    return render(request, "booking/book_service.html", {"services": bookable_services()})


def book_where(request: HttpRequest, service_slug: str) -> HttpResponse:
    service = get_object_or_404(bookable_services(), slug=service_slug)
    locations = bookable_locations(service).prefetch_related(_offering(service))
    return render(request, "booking/book_where.html", {"service": service, "locations": locations})


def _offering(service: Service) -> Prefetch:
    return Prefetch(
        "practitioners",
        queryset=shown_practitioners().filter(services=service),
        to_attr="offering",
    )


def _get_offer(service_slug: str, location_slug: str) -> tuple[Service, Location, list]:
    offer = _offer(service_slug, location_slug)
    return offer.service, offer.location, offer.team


def _offer(service_slug: str, location_slug: str) -> Offer:
    offer = bookable_offer(service_slug=service_slug, location_slug=location_slug)
    if offer is None:
        raise Http404("This service is not offered here.")
    return offer


def _bookable_days(
    location: Location, policy: BookingPolicy, now: dt.datetime
) -> tuple[dt.date, dt.date]:
    rules_latest = now + dt.timedelta(days=policy.horizon_days)
    return now.astimezone(location.zone).date(), rules_latest.astimezone(location.zone).date()


def book_times(request: HttpRequest, service_slug: str, location_slug: str) -> HttpResponse:
    offer = _offer(service_slug, location_slug)
    service, location, team, policy = offer.service, offer.location, offer.team, offer.policy
    now = timezone.now()
    first_day, last_day = _bookable_days(location, policy, now)
    data = request.GET.copy()
    data.setdefault("date", first_day.isoformat())
    form = DayForm(data, practitioners=team, first_day=first_day, last_day=last_day)
    context = {"service": service, "location": location, "form": form}
    if not form.is_valid():
        return render(request, "booking/book_times.html", context, status=400)

    day = form.cleaned_data["date"]
    chosen = form.cleaned_data["practitioner"]
    who = [chosen] if chosen else team
    question = _question(request, service, location, who, policy, now, offer.version)
    page = day_page(question, day, last_day)
    if "date" not in request.GET and not page.times and page.next_day:
        # No day asked for and none free today: open on the first day with free times.
        day = page.next_day
        page = day_page(question, day, last_day)
    context.update(
        day=day,
        practitioner_param=chosen.pk if chosen else ANY,
        chosen=chosen,
        times=[(start, format_start(start)) for start in page.times],
        next_day=page.next_day,
        # Formatted here, not by the date filter: the strip is most of the page's dates.
        week=[(d, d.isoformat(), f"{d:%a} {d.day} {d:%b}", count) for d, count in page.week],
        previous_day=day - dt.timedelta(days=1) if day > first_day else None,
        following_day=day + dt.timedelta(days=1) if day < last_day else None,
    )
    return render(request, "booking/book_times.html", context)


def book_month(request: HttpRequest, service_slug: str, location_slug: str) -> HttpResponse:
    """A month at a glance: which days have free times, and the times of the day opened
    (by default the first with any), all from one pass of the engine over the month."""
    offer = _offer(service_slug, location_slug)
    service, location, team, policy = offer.service, offer.location, offer.team, offer.policy
    now = timezone.now()
    first_day, last_day = _bookable_days(location, policy, now)
    form = MonthForm(request.GET, practitioners=team, first_day=first_day, last_day=last_day)
    context = {"service": service, "location": location, "form": form}
    if not form.is_valid():
        return render(request, "booking/book_month.html", context, status=400)

    month, chosen = form.cleaned_data["month"], form.cleaned_data["practitioner"]
    who = [chosen] if chosen else team
    question = _question(request, service, location, who, policy, now, offer.version)
    weeks, by_day = month_page(question, month, first_day, last_day)
    day = form.cleaned_data["date"] or min(by_day, default=None)
    context.update(
        month=month,
        weeks=weeks,
        today=first_day,
        day=day,
        chosen=chosen,
        practitioner_param=chosen.pk if chosen else ANY,
        times=[(start, format_start(start)) for start in by_day.get(day, [])] if day else [],
        previous_month=(month - dt.timedelta(days=1)).replace(day=1)
        if month > first_day.replace(day=1)
        else None,
        next_month=(month + dt.timedelta(days=31)).replace(day=1)
        if month < last_day.replace(day=1)
        else None,
    )
    return render(request, "booking/book_month.html", context)


def _question(
    request: HttpRequest,
    service: Service,
    location: Location,
    practitioners: list[Practitioner],
    policy: BookingPolicy,
    now: dt.datetime,
    version: Version | None,
) -> Question:
    """Whose times the visitor asks about; their own slot hold does not hide its time."""
    return Question(
        service=service,
        location=location,
        practitioners=practitioners,
        rules=booking_rules(
            service=service, policy=policy, now=now, source=AppointmentSource.ONLINE
        ),
        hold_token=request.session.get(HOLD_KEY),
        now=now,
        version=version,
    )


def limited(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "booking/rate_limited.html", {"what": what}, status=429)


def _hold_allowed(request: HttpRequest, start: dt.datetime) -> bool:
    """Count a new hold against the address's hourly limit. Taking again a time the
    visitor already holds (the details step, a second click) renews it uncounted, so one
    booking spends one hold."""
    if holds_time(token=request.session.get(HOLD_KEY), start=start):
        return True
    return ratelimit.public_write_allowed(
        "hold", ip=client_ip(request), per_ip=settings.CLINIC_HOLDS_PER_IP, now=timezone.now()
    )


def _hold(
    request: HttpRequest, *, service: Service, location: Location, slot_form: SlotForm
) -> BookingError | None:
    """Hold the posted time for this visitor; the error to show if it cannot be held."""
    try:
        slot_hold(
            token=hold_token_for(request.session),
            service=service,
            location=location,
            practitioner=slot_form.cleaned_data["practitioner"],
            start=slot_form.cleaned_data["start"],
            now=timezone.now(),
            holder=ratelimit.key("hold-holder", client_ip(request)),
        )
    except BookingError as error:
        return error
    return None


def _refused_hold(
    request: HttpRequest,
    *,
    service: Service,
    location: Location,
    slot_form: SlotForm,
    error: BookingError,
) -> HttpResponse:
    if isinstance(error, TooManyHolds):
        context = {
            "service": service,
            "location": location,
            "error": error.message,
            "hold_minutes": settings.CLINIC_HOLD_MINUTES,
        }
        return render(request, "booking/book_holds_full.html", context, status=429)
    return _taken(request, service=service, location=location, slot_form=slot_form, error=error)


def _taken(
    request: HttpRequest,
    *,
    service: Service,
    location: Location,
    slot_form: SlotForm,
    error: BookingError,
) -> HttpResponse:
    context = {
        "service": service,
        "location": location,
        "error": error.message,
        "practitioner_param": slot_form.data.get("practitioner") or ANY,
        "day": slot_form.cleaned_data["start"],
        "alternatives": [(slot.start, format_start(slot.start)) for slot in error.alternatives],
    }
    return render(request, "booking/book_taken.html", context, status=409)


@require_POST
def book_hold(request: HttpRequest, service_slug: str, location_slug: str) -> HttpResponse:
    """The patient picked a time: hold it for them, then ask for their details."""
    service, location, team = _get_offer(service_slug, location_slug)
    slot_form = SlotForm(request.POST, practitioners=team)
    if not slot_form.is_valid():
        return render(
            request,
            "booking/book_invalid.html",
            {"service": service, "location": location, "form": slot_form},
            status=400,
        )
    if not _hold_allowed(request, slot_form.cleaned_data["start"]):
        return limited(request, "requests to hold a time")
    if error := _hold(request, service=service, location=location, slot_form=slot_form):
        return _refused_hold(
            request, service=service, location=location, slot_form=slot_form, error=error
        )
    query = urlencode(
        {
            "practitioner": slot_form.data.get("practitioner") or ANY,
            "start": format_start(slot_form.cleaned_data["start"]),
        }
    )
    return redirect(f"{reverse('booking:details', args=[service.slug, location.slug])}?{query}")


@require_http_methods(["GET", "POST"])
def book_details(request: HttpRequest, service_slug: str, location_slug: str) -> HttpResponse:
    service, location, team = _get_offer(service_slug, location_slug)
    slot_form = SlotForm(request.POST or request.GET, practitioners=team)
    if not slot_form.is_valid():
        return render(
            request,
            "booking/book_invalid.html",
            {"service": service, "location": location, "form": slot_form},
            status=400,
        )
    today = timezone.localdate(timezone=location.zone)
    stored = request.session.get(SESSION_KEY, {})
    patient = portal_patient(request)
    if request.method == "POST":
        form = PatientDetailsForm(request.POST, today=today) if patient is None else None
        if form is None or form.is_valid():
            # Renew the hold (or take it, for a visitor who came by a link). If the time
            # cannot be held, confirming says why and offers nearby times.
            if _hold_allowed(request, slot_form.cleaned_data["start"]):
                _hold(request, service=service, location=location, slot_form=slot_form)
            chosen = slot_form.cleaned_data["practitioner"]
            if patient is not None:
                details = _patient_data(patient)
            else:
                assert form is not None  # everyone not signed in gives their details
                details = form.session_data()
            request.session[SESSION_KEY] = {
                "service": service.slug,
                "location": location.slug,
                "practitioner": chosen.pk if chosen else ANY,
                "start": format_start(slot_form.cleaned_data["start"]),
                "patient": details,
                "portal": patient.pk if patient else None,
                # Names this submission: confirming it again books nothing new.
                "key": secrets.token_urlsafe(24),
            }
            return redirect("booking:review")
    else:
        form = (
            PatientDetailsForm(initial=stored.get("patient"), today=today)
            if patient is None
            else None
        )
    context = {
        "service": service,
        "location": location,
        "form": form,
        "start": slot_form.cleaned_data["start"],
        "start_param": format_start(slot_form.cleaned_data["start"]),
        "practitioner": slot_form.cleaned_data["practitioner"],
        "practitioner_param": slot_form.data.get("practitioner") or ANY,
        "portal_patient": patient,
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "booking/book_details.html", context, status=status)


def _patient_data(patient: Patient) -> dict[str, str]:
    return {
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "email": patient.email,
        "phone": str(patient.phone),
        "date_of_birth": patient.date_of_birth.isoformat(),
    }


@require_http_methods(["GET", "POST"])
def book_waitlist(request: HttpRequest, service_slug: str, location_slug: str) -> HttpResponse:
    """Nothing suits: ask to hear when a time comes free. The reply is the same whoever
    the details belong to."""
    service, location, team = _get_offer(service_slug, location_slug)
    policy = BookingPolicy.load()
    first_day, last_day = _bookable_days(location, policy, timezone.now())
    choice = PractitionerChoiceField(practitioners=team, required=False)
    try:
        practitioner = choice.clean(request.GET.get("practitioner"))
    except ValidationError:
        practitioner = None
    form = WaitlistRequestForm(
        request.POST or None,
        today=first_day,
        last_day=last_day,
        initial={
            "earliest_date": first_day,
            "latest_date": min(last_day, first_day + dt.timedelta(days=14)),
        },
    )
    if form.is_valid():
        if not ratelimit.public_write_allowed(
            "waitlist",
            ip=client_ip(request),
            email=form.cleaned_data["email"],
            per_ip=settings.CLINIC_WAITLIST_PER_IP,
            per_email=settings.CLINIC_WAITLIST_PER_EMAIL,
            now=timezone.now(),
        ):
            return limited(request, "waitlist requests")
        online_waitlist_join(
            details=form.session_data(),
            service=service,
            location=location,
            practitioner=practitioner,
            earliest_date=form.cleaned_data["earliest_date"],
            latest_date=form.cleaned_data["latest_date"],
            time_of_day=form.cleaned_data["time_of_day"],
        )
        return render(
            request,
            "booking/book_waitlist.html",
            {"service": service, "location": location, "joined": True},
        )
    context = {"service": service, "location": location, "form": form, "practitioner": practitioner}
    return render(
        request, "booking/book_waitlist.html", context, status=400 if form.errors else 200
    )
