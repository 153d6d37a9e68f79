"""Services and practitioners, with the practitioner's weekly and extra hours inside their
page; who may edit whose schedule (also used by the time off admin)."""

from typing import TYPE_CHECKING, Any, override

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Model, QuerySet
from django.db.models.fields.related import RelatedField
from django.http import HttpRequest
from django.utils import timezone

from booking.forms.practitioner_photo import PHOTO_FIELDS, PractitionerForm, current_photo
from booking.models import ExtraHours, Practitioner, Service, WeeklyHours
from clinic import roles
from clinic.access import staff_user
from clinic.forms import CleanTextModelForm

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec
    from django_stubs_ext import StrOrPromise


def runs_clinic(request: HttpRequest) -> bool:
    """The clinic manager (and superusers): everyone's schedule, every field."""
    return roles.may(request.user, roles.RUN_CLINIC)


def own_practitioner(request: HttpRequest, practitioner: Practitioner | None) -> bool:
    return practitioner is not None and practitioner.user_id == request.user.pk


class PractitionerListFilter(admin.RelatedFieldListFilter):
    # The stock filter loads each practitioner's user separately to print the name.
    @override
    def field_choices(
        self,
        field: RelatedField[Any, Any],
        request: HttpRequest,
        model_admin: admin.ModelAdmin[Any],
    ) -> "list[tuple[str, StrOrPromise]]":
        return [(str(p.pk), p.name) for p in Practitioner.objects.select_related("user")]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = CleanTextModelForm
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


class OwnHoursInline(admin.TabularInline):
    """Hours inside the practitioner's page: the practitioner's own, or the manager."""

    form = CleanTextModelForm

    def _may_edit(self, request: HttpRequest, obj: Model | None) -> bool:
        return runs_clinic(request) or (
            isinstance(obj, Practitioner) and own_practitioner(request, obj)
        )

    @override
    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_add_permission(request, obj) and self._may_edit(request, obj)

    @override
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)


class WeeklyHoursInline(OwnHoursInline):
    model = WeeklyHours
    fields = ["weekday", "start_time", "end_time", "location"]
    extra = 0


class ExtraHoursInline(OwnHoursInline):
    model = ExtraHours
    fields = ["date", "start_time", "end_time", "location"]
    extra = 0

    # Past dates no longer affect booking; hiding them keeps the form short.
    @override
    def get_queryset(self, request: HttpRequest) -> QuerySet[ExtraHours]:
        return super().get_queryset(request).filter(date__gte=timezone.localdate())


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    form = PractitionerForm
    readonly_fields = ["current_photo"]
    list_display = ["name", "title", "is_active"]
    list_filter = ["is_active", "locations", "services"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "title"]
    ordering = ["user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    inlines = [WeeklyHoursInline, ExtraHoursInline]

    # A practitioner opens their own page to edit their hours (the inlines), and only them.
    @override
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if super().has_change_permission(request, obj):
            return True
        own = isinstance(obj, Practitioner) and own_practitioner(request, obj)
        return own and request.user.has_perm("booking.change_weeklyhours")

    @override
    def get_readonly_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str] | tuple[str, ...]:
        if super().has_change_permission(request, obj):
            return super().get_readonly_fields(request, obj)
        fields = [f.name for f in Practitioner._meta.get_fields() if f.concrete and f.editable]
        return [*fields, "current_photo"]

    # Only those who may change the practitioner publish or remove a photo: a practitioner
    # on their own page (their hours) has a form without the photo's inputs.
    @override
    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if not super().has_change_permission(request, obj):
            kwargs["form"] = CleanTextModelForm
        return super().get_form(request, obj, change, **kwargs)

    @override
    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> "_FieldsetSpec":
        fields = self.get_fields(request, obj)
        return [
            (None, {"fields": [f for f in fields if f not in PHOTO_FIELDS]}),
            ("Photo", {"fields": [f for f in PHOTO_FIELDS if f in fields]}),
        ]

    @override
    def save_model(
        self, request: HttpRequest, obj: Practitioner, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if isinstance(form, PractitionerForm):
            form.save_photo(obj, by=staff_user(request), now=timezone.now())

    @admin.display(description="Photo now")
    def current_photo(self, obj: Practitioner) -> str:
        return current_photo(obj)

    @override
    def get_prepopulated_fields(
        self, request: HttpRequest, obj: Model | None = None
    ) -> dict[str, Any]:
        return super().get_prepopulated_fields(request, obj) if runs_clinic(request) else {}

    # Also serves the practitioner autocomplete, which prints each name.
    @override
    def get_queryset(self, request: HttpRequest) -> QuerySet[Practitioner]:
        return super().get_queryset(request).select_related("user")

    @admin.display(ordering="user__first_name")
    def name(self, obj: Practitioner) -> str:
        return obj.name
