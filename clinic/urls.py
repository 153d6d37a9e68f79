from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clinic import views
from clinic.forms import AdminLoginForm, StaffLoginForm

# The admin's sign-in is rate-limited like the staff one.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("about/<slug:slug>/", views.page, name="page"),
    path("", include("booking.urls")),
    path("intake/", include("patients.urls")),
    path(
        "staff/login/",
        auth_views.LoginView.as_view(
            template_name="staff/login.html",
            authentication_form=StaffLoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", include("patients.staff_urls")),
    path("staff/", include("booking.staff_urls")),
    path("admin/", admin.site.urls),
]
