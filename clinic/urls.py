from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from booking.api.site import urls as api_urls
from clinic import errors, health, signin, views

two_factor = (
    [
        path("", signin.verify, name="verify"),
        path("setup/", signin.setup, name="setup"),
    ],
    "two_factor",
)

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the pages link; the mark is an SVG.
    path("favicon.ico", views.favicon),
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
