from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from booking.api.site import urls as api_urls
from clinic import signin, views

two_factor = (
    [
        path("", signin.verify, name="verify"),
        path("setup/", signin.setup, name="setup"),
    ],
    "two_factor",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("about/<slug:slug>/", views.page, name="page"),
    path("", include("booking.urls")),
    path("intake/", include("patients.urls")),
    path("visit/", include("patients.visit_urls")),
    path("staff/login/", signin.StaffLoginView.as_view(), name="login"),
    path("staff/two-factor/", include(two_factor)),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", include("patients.staff_urls")),
    path("staff/", include("booking.staff_urls")),
    path("api/v1/", api_urls()),
    path("admin/", admin.site.urls),
]
