import datetime as dt

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from booking.models import (
    Appointment,
    BookingPolicy,
    ClinicClosure,
    ExtraHours,
    Practitioner,
    Service,
    SlotHold,
    TimeOff,
    WaitlistEntry,
    WeeklyHours,
)
from clinic.models import Location


def _in_zone(when: dt.datetime, location: Location) -> str:
    local = when.astimezone(location.zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"


class PractitionerListFilter(admin.RelatedFieldListFilter):
    # The stock filter loads each practitioner's user separately to print the name.
    def field_choices(self, field, request, model_admin):
        return [(p.pk, p.name) for p in Practitioner.objects.select_related("user")]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "duration_minutes",
        "buffer_after_minutes",
        "price",
        "allows_first_visit",
        "is_online_bookable",
        "is_active",
        "display_order",
    ]
    list_editable = ["is_online_bookable", "display_order"]
    list_filter = ["is_active", "is_online_bookable", "allows_first_visit"]
    search_fields = ["name", "description"]
    ordering = ["display_order", "name"]
    prepopulated_fields = {"slug": ["name"]}


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    fields = ["weekday", "start_time", "end_time", "location"]
    extra = 0


class ExtraHoursInline(admin.TabularInline):
    model = ExtraHours
    fields = ["date", "start_time", "end_time", "location"]
    extra = 0

    # Past dates no longer affect booking; hiding them keeps the form short.
    def get_queryset(self, request):
        return super().get_queryset(request).filter(date__gte=timezone.localdate())


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "is_active"]
    list_filter = ["is_active", "locations", "services"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "title"]
    ordering = ["user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    inlines = [WeeklyHoursInline, ExtraHoursInline]

    # Also serves the practitioner autocomplete, which prints each name.
    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(ordering="user__first_name")
    def name(self, obj):
        return obj.name


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "starts_at", "ends_at", "reason"]
    list_filter = [("practitioner", PractitionerListFilter)]
    list_select_related = ["practitioner__user"]
    search_fields = ["practitioner__user__first_name", "practitioner__user__last_name", "reason"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    autocomplete_fields = ["practitioner"]


@admin.register(ClinicClosure)
class ClinicClosureAdmin(admin.ModelAdmin):
    list_display = ["reason", "where", "starts_at", "ends_at"]
    list_filter = ["location"]
    list_select_related = ["location"]
    search_fields = ["reason"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]

    @admin.display(description="location", ordering="location__name", empty_value="All locations")
    def where(self, obj):
        return obj.location


@admin.register(BookingPolicy)
class BookingPolicyAdmin(admin.ModelAdmin):
    # load() creates the single row on first visit, so there is never one to add.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy = BookingPolicy.load()
        return redirect(reverse("admin:booking_bookingpolicy_change", args=[policy.pk]))


class AppointmentForm(forms.ModelForm):
    def validate_constraints(self):
        # The overlap constraints name read-only fields, which the form would skip, yet
        # they still apply when a cancelled appointment is made active again.
        try:
            self.instance.validate_constraints()
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    form = AppointmentForm
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
    fields = [
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
        "created_at",
        "updated_at",
    ]

    # Bookings, and any change of time, place or people, go through the booking service,
    # which checks availability under its locks. The admin may change the status only.
    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.fields if name != "status"]

    def has_add_permission(self, request):
        return False

    # Cancelling is a status; appointments are never deleted.
    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="start", ordering="start")
    def local_start(self, obj):
        return _in_zone(obj.start, obj.location)

    @admin.display(description="end")
    def local_end(self, obj):
        return _in_zone(obj.end, obj.location)

    @admin.display(description="occupied until")
    def local_occupied_until(self, obj):
        return _in_zone(obj.occupied_until, obj.location)

    @admin.display(description="room", ordering="room__name")
    def room_name(self, obj):
        return obj.room.name


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = [
        "patient",
        "service",
        "location",
        "practitioner",
        "earliest_date",
        "latest_date",
        "time_of_day",
        "status",
        "created_at",
    ]
    list_filter = ["status", "service", "location", "time_of_day"]
    list_select_related = ["patient", "service", "location", "practitioner__user"]
    search_fields = ["patient__first_name", "patient__last_name", "patient__email"]
    autocomplete_fields = ["patient", "practitioner"]
    readonly_fields = ["appointment", "created_at", "updated_at"]
    date_hierarchy = "created_at"


@admin.register(SlotHold)
class SlotHoldAdmin(admin.ModelAdmin):
    """Short-lived holds on picked times; read-only, they lapse by themselves."""

    list_display = ["start", "practitioner", "room", "expires_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
