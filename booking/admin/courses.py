"""Courses: a patient's series of appointments, booked together."""

from typing import override

from django.contrib import admin
from django.http import HttpRequest

from booking.models import Appointment, Course


class CourseAppointmentInline(admin.TabularInline):
    model = Appointment
    fields = readonly_fields = ("reference", "start", "practitioner", "room", "status")
    extra = 0
    can_delete = False
    show_change_link = True

    @override
    def has_add_permission(self, request: HttpRequest, obj: Course | None = None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """Read-only: a course is booked, and its rest cancelled, from the front-desk pages,
    where the booking checks and locks apply."""

    list_display = ["__str__", "service", "location", "every_days", "source", "created_at"]
    list_select_related = ["service", "location"]
    fields = readonly_fields = (
        "patient",
        "service",
        "location",
        "practitioner",
        "every_days",
        "source",
        "booked_by",
        "created_at",
    )
    inlines = [CourseAppointmentInline]

    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Course | None = None) -> bool:
        return False
