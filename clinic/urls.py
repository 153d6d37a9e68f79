from django.contrib import admin
from django.urls import include, path

from clinic import views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/<slug:slug>/", views.page, name="page"),
    path("", include("booking.urls")),
    path("admin/", admin.site.urls),
]
