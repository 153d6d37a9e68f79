from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("messaging/texts/status/", views.text_status, name="text_status"),
    path("t/<str:code>", views.short_link, name="short_link"),
]
