"""Appointments, read-only but for the status actions that go through the booking
services, and the short-lived holds on picked times."""

import datetime as dt
from collections.abc import Callable
from typing import Any, override

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from booking.admin.practitioners import PractitionerListFilter
from booking.models import Appointment, SlotHold
from booking.services.placement import BookingError
from booking.services.status import ACTIONS, appointment_status_change, available_actions
from clinic.access import staff_user
from clinic.admin_mixins import ReadOnlyAdmin
from clinic.models import Location
from patients.admin import AccessLoggedAdmin


def _in_zone(when: dt.datetime, location: Location) -> str:
    local = when.astimezone(location.zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"


def _status_action(name: str, label: str) -> Callable[..., None]:
    """An admin action that takes ``name`` through the booking services, one appointment
    at a time, reporting each refusal as the front desk would see it."""

    def action(
        modeladmin: "AppointmentAdmin", request: HttpRequest, queryset: QuerySet[Appointment]
    ) -> None:
        modeladmin.apply_status_action(request, queryset, name)

    action.__name__ = f"status_{name}"
    return admin.action(description=f"{label} the selected appointments")(action)


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin, AccessLoggedAdmin, SimpleHistoryAdmin):
    """Appointments, read-only but for status actions that go through the services.

    Bookings and any change of time, place or people go through the booking service,
    which checks availability under its locks; a status changes only by the same actions
    as at the front desk (``booking.services.status``), with the same emails and waitlist
    offers, and the same refusals.
    """

    change_form_template = "admin/booking/appointment/change_form.html"
    access_record = "appointment"
    list_display = [
        "reference",
        "local_start",
        "patient",
        "practitioner",
        "service",
        "location",
        "room_name",
        "status",
        "source",
    ]
    list_filter = [
        "status",
        "source",
        "location",
        ("practitioner", PractitionerListFilter),
        "service",
    ]
    list_select_related = ["patient", "practitioner__user", "service", "location", "room"]
    search_fields = ["reference", "patient__first_name", "patient__last_name", "patient__email"]
    date_hierarchy = "start"
    ordering = ["-start"]
    fields = readonly_fields = (
        "reference",
        "status",
        "patient",
        "service",
        "practitioner",
        "location",
        "room",
        "local_start",
        "local_end",
        "local_occupied_until",
        "source",
        "course",
        "cancellation_reason",
        "created_at",
        "updated_at",
    )
    actions = [_status_action(name, label) for name, label in ACTIONS.items()]
    may_change = True  # the status actions; cancelling is a status, nothing is deleted

    @override
    def get_urls(self) -> list[URLPattern]:
        urls = [
            path(
                "<int:pk>/status/",
                self.admin_site.admin_view(self.status_view),
                name="booking_appointment_status",
            )
        ]
        return urls + super().get_urls()

    def apply_status_action(
        self, request: HttpRequest, queryset: QuerySet[Appointment], action: str
    ) -> None:
        if not self.has_change_permission(request):
            raise PermissionDenied
        now = timezone.now()
        for appointment in queryset.select_related("patient", "location", "service"):
            try:
                changed = appointment_status_change(
                    appointment=appointment, action=action, now=now, by=staff_user(request)
                )
            except BookingError as error:
                self.message_user(
                    request, f"{appointment.reference}: {error.message}", messages.ERROR
                )
            else:
                status = changed.get_status_display().lower()
                self.message_user(request, f"{changed.reference}: {status}.", messages.SUCCESS)

    def status_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The change form's status buttons: POST one action for one appointment."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            self.message_user(request, "Unknown action.", messages.ERROR)
        else:
            self.apply_status_action(request, Appointment.objects.filter(pk=pk), action)
        return redirect("admin:booking_appointment_change", pk)

    @override
    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Appointment | None = None,
    ) -> HttpResponse:
        if obj is not None and self.has_change_permission(request, obj):
            context["status_actions"] = available_actions(obj, now=timezone.now())
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="start", ordering="start")
    def local_start(self, obj: Appointment) -> str:
        return _in_zone(obj.start, obj.location)

    @admin.display(description="end")
    def local_end(self, obj: Appointment) -> str:
        return _in_zone(obj.end, obj.location)

    @admin.display(description="occupied until")
    def local_occupied_until(self, obj: Appointment) -> str:
        return _in_zone(obj.occupied_until, obj.location)

    @admin.display(description="room", ordering="room__name")
    def room_name(self, obj: Appointment) -> str:
        return obj.room.name


@admin.register(SlotHold)
class SlotHoldAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Short-lived holds on picked times; read-only, they lapse by themselves."""

    list_display = ["start", "practitioner", "room", "expires_at"]
    may_delete = True
