import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, override

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Model, QuerySet
from django.db.models.fields.related import RelatedField
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from booking.forms.practitioner_photo import PHOTO_FIELDS, PractitionerForm, current_photo
from booking.models import (
    ApiKey,
    ApiKeyUse,
    ApiScope,
    Appointment,
    BookingPolicy,
    CalendarFeed,
    ClinicClosure,
    Course,
    ExtraHours,
    Practitioner,
    Service,
    SlotHold,
    TimeOff,
    WaitlistEntry,
    WaitlistStatus,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WeeklyHours,
)
from booking.services.api_keys import api_key_create
from booking.services.placement import BookingError
from booking.services.status import ACTIONS, appointment_status_change, available_actions
from booking.services.waitlist import waitlist_set_status
from clinic import roles
from clinic.access import staff_user
from clinic.forms import CleanTextModelForm
from clinic.models import Location
from patients.admin import AccessLoggedAdmin

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec
    from django_stubs_ext import StrOrPromise


def _runs_clinic(request: HttpRequest) -> bool:
    """The clinic manager (and superusers): everyone's schedule, every field."""
    return roles.may(request.user, roles.RUN_CLINIC)


def _own_practitioner(request: HttpRequest, practitioner: Practitioner | None) -> bool:
    return practitioner is not None and practitioner.user_id == request.user.pk


class OwnScheduleAdmin(admin.ModelAdmin):
    """Time off: a practitioner changes their own, the manager everyone's; others only
    read it."""

    def _may_edit(self, request: HttpRequest, obj: Model | None) -> bool:
        return (
            obj is None
            or _runs_clinic(request)
            or _own_practitioner(request, getattr(obj, "practitioner", None))
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
        if db_field.name == "practitioner" and not _runs_clinic(request):
            kwargs["queryset"] = Practitioner.objects.filter(user=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OwnHoursInline(admin.TabularInline):
    """Hours inside the practitioner's page: the practitioner's own, or the manager."""

    form = CleanTextModelForm

    def _may_edit(self, request: HttpRequest, obj: Model | None) -> bool:
        return _runs_clinic(request) or (
            isinstance(obj, Practitioner) and _own_practitioner(request, obj)
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


def _in_zone(when: dt.datetime, location: Location) -> str:
    local = when.astimezone(location.zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"


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
        own = isinstance(obj, Practitioner) and _own_practitioner(request, obj)
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
        return super().get_prepopulated_fields(request, obj) if _runs_clinic(request) else {}

    # Also serves the practitioner autocomplete, which prints each name.
    @override
    def get_queryset(self, request: HttpRequest) -> QuerySet[Practitioner]:
        return super().get_queryset(request).select_related("user")

    @admin.display(ordering="user__first_name")
    def name(self, obj: Practitioner) -> str:
        return obj.name


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
class BookingPolicyAdmin(SimpleHistoryAdmin):
    # load() creates the single row on first visit, so there is never one to add.
    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @override
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        policy = BookingPolicy.load()
        return redirect(reverse("admin:booking_bookingpolicy_change", args=[policy.pk]))


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
class AppointmentAdmin(AccessLoggedAdmin, SimpleHistoryAdmin):
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

    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    # Cancelling is a status; appointments are never deleted.
    @override
    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

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
                changed = appointment_status_change(appointment=appointment, action=action, now=now)
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


@admin.register(SlotHold)
class SlotHoldAdmin(admin.ModelAdmin):
    """Short-lived holds on picked times; read-only, they lapse by themselves."""

    list_display = ["start", "practitioner", "room", "expires_at"]

    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @override
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


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


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Feeds are made by practitioners on their staff page (the URL is shown once); the
    manager can see them and revoke any."""

    list_display = ["practitioner", "created_at", "revoked_at"]
    list_select_related = ["practitioner__user"]
    list_filter = ["revoked_at"]
    fields = readonly_fields = ("practitioner", "created_at", "revoked_at")
    actions = ["revoke"]

    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected feeds", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} feeds.", messages.SUCCESS)


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """The manager makes keys here; the key is shown once, in the message after saving.
    Only its hash is kept. Revoking is an action; keys are never deleted (their uses
    stay in the log)."""

    form = ApiKeyForm
    list_display = ["name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    @override
    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("name", "scopes")
        return ("name", "scopes", *self.readonly_fields)

    @override
    def save_model(
        self, request: HttpRequest, obj: ApiKey, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            obj.save(update_fields=["name", "scopes"])
            return
        key, raw = api_key_create(
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            created_by=request.user if request.user.is_authenticated else None,
        )
        obj.pk, obj.key_hash, obj.prefix = key.pk, key.key_hash, key.prefix
        obj._state.adding = False
        self.message_user(
            request, f"The new key (shown only now; copy it): {raw}", messages.WARNING
        )

    @override
    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} keys.", messages.SUCCESS)


@admin.register(ApiKeyUse)
class ApiKeyUseAdmin(admin.ModelAdmin):
    list_display = ["at", "key", "method", "path", "status"]
    list_select_related = ["key"]
    list_filter = ["status", "key"]
    date_hierarchy = "at"
    fields = readonly_fields = ("at", "key", "method", "path", "status")

    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @override
    def has_change_permission(self, request: HttpRequest, obj: ApiKeyUse | None = None) -> bool:
        return False

    @override
    def has_delete_permission(self, request: HttpRequest, obj: ApiKeyUse | None = None) -> bool:
        return False


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "events", "is_active"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """The manager registers receivers here. The secret is made with the webhook and shown
    on its page, to be given to the receiver, which checks each delivery's signature."""

    form = WebhookForm
    list_display = ["name", "url", "events", "is_active", "created_at"]
    readonly_fields = ("secret", "created_at")

    @override
    def has_delete_permission(self, request: HttpRequest, obj: Webhook | None = None) -> bool:
        return False  # deactivate instead: the delivery log keeps pointing at it


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = readonly_fields = ("at", "response_status", "error", "duration_ms")
    extra = 0
    can_delete = False

    @override
    def has_add_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every event sent, its status and each attempt."""

    list_display = ["created_at", "webhook", "event", "status", "attempts", "next_attempt_at"]
    list_select_related = ["webhook"]
    list_filter = ["status", "event", "webhook"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "webhook",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "payload",
    )
    inlines = [WebhookAttemptInline]

    @override
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @override
    def has_delete_permission(
        self, request: HttpRequest, obj: WebhookDelivery | None = None
    ) -> bool:
        return False
