"""Courses: a patient's series of appointments, booked together."""

from django.contrib import admin

from booking.models import Appointment, Course
from clinic.admin_mixins import ReadOnlyAdmin
from patients.admin import AccessLoggedAdmin


class CourseAppointmentInline(ReadOnlyAdmin, admin.TabularInline):
    model = Appointment
    fields = readonly_fields = ("reference", "start", "practitioner", "room", "status")
    extra = 0
    show_change_link = True
    may_change = True


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    """Read-only: a course is booked, and its rest cancelled, from the front-desk pages,
    where the booking checks and locks apply."""

    access_record = "course"
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
    may_change = True
