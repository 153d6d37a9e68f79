from django.contrib import admin

from clinic.admin_mixins import SingletonAdmin
from messaging.models import MessagingSettings


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(SingletonAdmin):
    """The manager's text settings (decision 0108): texts to everyone as a second channel,
    the quiet hours and the daily limit per patient."""

    fields = ["texts_to_everyone", "quiet_hours_start", "quiet_hours_end", "daily_limit"]
