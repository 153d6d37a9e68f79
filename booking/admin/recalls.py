"""Recalls as sent by the nightly job (decision 0111): shown, never written here."""

from django.contrib import admin

from booking.models import Recall
from clinic.admin_mixins import ReadOnlyAdmin


@admin.register(Recall)
class RecallAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ["patient", "service", "state", "created_at", "sent_at", "declined_at"]
    list_filter = ["state"]
    list_select_related = ["patient", "service"]
    date_hierarchy = "created_at"
