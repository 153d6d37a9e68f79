"""What connects the clinic to other software: practitioners' calendar feeds, API keys
and the log of their uses, webhooks and the log of their deliveries."""

from typing import override

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from booking.models import (
    ApiKey,
    ApiKeyUse,
    ApiScope,
    CalendarFeed,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)
from booking.services.api_keys import api_key_create
from clinic.admin_mixins import ReadOnlyAdmin


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Feeds are made by practitioners on their staff page (the URL is shown once); the
    manager can see them and revoke any."""

    list_display = ["practitioner", "created_at", "revoked_at"]
    list_select_related = ["practitioner__user"]
    list_filter = ["revoked_at"]
    fields = readonly_fields = ("practitioner", "created_at", "revoked_at")
    actions = ["revoke"]
    may_change = True  # revoking
    may_delete = True

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
class ApiKeyUseAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["at", "key", "method", "path", "status"]
    list_select_related = ["key"]
    list_filter = ["status", "key"]
    date_hierarchy = "at"
    fields = readonly_fields = ("at", "key", "method", "path", "status")


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


class WebhookAttemptInline(ReadOnlyAdmin, admin.TabularInline):
    model = WebhookAttempt
    fields = readonly_fields = ("at", "response_status", "error", "duration_ms")
    extra = 0
    may_change = True


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
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
    may_change = True
