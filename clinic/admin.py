from django.contrib import admin

from clinic import (
    admin_devices,  # noqa: F401  (second factors: listed, never read or removed here)
    admin_users,  # noqa: F401  (staff accounts: least privilege)
)
from clinic.admin_mixins import ReadOnlyAdmin
from clinic.forms import CleanTextModelForm
from clinic.models import Location, Page, PageSection, RateLimitHit, Room, WorkerHeartbeat


class RoomInline(admin.TabularInline):
    model = Room
    form = CleanTextModelForm
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    form = CleanTextModelForm
    list_display = ["name", "time_zone", "phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "address"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RoomInline]


class PageSectionInline(admin.StackedInline):
    model = PageSection
    form = CleanTextModelForm
    fields = ["order", "heading", "body"]
    ordering = ["order", "id"]
    extra = 0


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    form = CleanTextModelForm
    list_display = ["title", "slug", "is_published", "updated_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug", "lead"]
    ordering = ["title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at"]
    inlines = [PageSectionInline]


@admin.register(RateLimitHit)
class RateLimitHitAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Counted attempts: hashed keys and times only, kept for an hour at most."""

    list_display = ["created_at"]
    may_delete = True


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """When each task worker last said it was alive (also on /healthz); written by the
    workers only."""

    list_display = ["worker_id", "seen_at"]
    ordering = ["-seen_at"]
    may_delete = True
