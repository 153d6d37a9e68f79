from django.urls import path

from messaging.views import inbound, texts

app_name = "messaging"
urlpatterns = [
    path("messaging/texts/inbound/", inbound.inbound, name="text_inbound"),
    path("messaging/texts/status/", texts.text_status, name="text_status"),
    path("t/<str:code>", texts.short_link, name="short_link"),
]
