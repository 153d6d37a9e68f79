"""Recalls as sent by the nightly job (decision 0111): shown, never written here; each
page that names a patient is in the access log."""

from django.contrib import admin

from booking.models import Recall
from clinic.admin_mixins import ReadOnlyAdmin
from patients.admin import AccessLoggedAdmin


@admin.register(Recall)
class RecallAdmin(ReadOnlyAdmin, AccessLoggedAdmin):
    access_record = "recall"
    list_display = ["patient", "service", "state", "created_at", "sent_at", "declined_at"]
    list_filter = ["state"]
    list_select_related = ["patient", "service"]
    date_hierarchy = "created_at"
