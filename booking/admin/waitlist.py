"""The waitlist: entries change status by the front desk's actions, as on the staff
pages."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from booking.models import WaitlistEntry, WaitlistStatus
from booking.services.waitlist import waitlist_set_status
from clinic.forms import CleanTextModelForm
from patients.admin import AccessLoggedAdmin


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(AccessLoggedAdmin):
    form = CleanTextModelForm
    access_record = "waitlist entry"
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
    # The status changes by the front desk's actions; "booked" only by a booking.
    readonly_fields = ["status", "appointment", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    actions = ["mark_offered", "withdraw"]

    @admin.action(description="Mark the selected entries offered")
    def mark_offered(self, _request: HttpRequest, queryset: QuerySet[WaitlistEntry]) -> None:
        for entry in queryset:
            waitlist_set_status(entry=entry, status=WaitlistStatus.OFFERED)

    @admin.action(description="Withdraw the selected entries")
    def withdraw(self, _request: HttpRequest, queryset: QuerySet[WaitlistEntry]) -> None:
        for entry in queryset:
            waitlist_set_status(entry=entry, status=WaitlistStatus.WITHDRAWN)
