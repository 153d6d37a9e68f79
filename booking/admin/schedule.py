"""Time off, clinic closures and the booking policy (its one row)."""

from typing import Any, override

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from booking.admin.practitioners import PractitionerListFilter, own_practitioner, runs_clinic
from booking.models import BookingPolicy, ClinicClosure, Practitioner, TimeOff
from clinic.admin_mixins import SingletonAdmin
from clinic.forms import CleanTextModelForm
from clinic.models import Location


class OwnScheduleAdmin(admin.ModelAdmin):
    """Time off: a practitioner changes their own, the manager everyone's; others only
    read it."""

    def _may_edit(self, request: HttpRequest, obj: Model | None) -> bool:
        return (
            obj is None
            or runs_clinic(request)
            or own_practitioner(request, getattr(obj, "practitioner", None))
        )

    @override
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    @override
    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "practitioner" and not runs_clinic(request):
            kwargs["queryset"] = Practitioner.objects.filter(user=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(TimeOff)
class TimeOffAdmin(OwnScheduleAdmin, SimpleHistoryAdmin):
    form = CleanTextModelForm
    list_display = ["practitioner", "starts_at", "ends_at", "reason"]
    list_filter = [("practitioner", PractitionerListFilter)]
    list_select_related = ["practitioner__user"]
    search_fields = ["practitioner__user__first_name", "practitioner__user__last_name", "reason"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]
    autocomplete_fields = ["practitioner"]


@admin.register(ClinicClosure)
class ClinicClosureAdmin(SimpleHistoryAdmin):
    form = CleanTextModelForm
    list_display = ["reason", "where", "starts_at", "ends_at"]
    list_filter = ["location"]
    list_select_related = ["location"]
    search_fields = ["reason"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at"]

    @admin.display(description="location", ordering="location__name", empty_value="All locations")
    def where(self, obj: ClinicClosure) -> Location | None:
        return obj.location


@admin.register(BookingPolicy)
class BookingPolicyAdmin(SingletonAdmin, SimpleHistoryAdmin):
    """The booking policy: one row, its changes kept in its history."""
