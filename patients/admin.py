from django.contrib import admin
from django.utils import timezone

from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "phone", "date_of_birth", "is_archived"]
    list_filter = ["is_archived"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    ordering = ["last_name", "first_name"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["archive"]

    # Health records are kept for years: archive them instead.
    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Archive selected patients")
    def archive(self, request, queryset):
        # update() skips auto_now, so set updated_at here.
        count = queryset.update(is_archived=True, updated_at=timezone.now())
        self.message_user(request, f"Archived {count} patient record(s).")
