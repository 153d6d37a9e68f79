from django.urls import path

from messaging.views import inbound

app_name = "messaging"
urlpatterns = [
    path("texts/inbound/", inbound.inbound, name="text_inbound"),
]
